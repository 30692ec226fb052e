/**
 * In-app confirmations instead of the browser's `confirm()` (issue 22): `confirmDialog()` opens a
 * modal with the consequence in words and resolves true or false; `<ConfirmHost />` (in the
 * shell) renders it. Escape, the backdrop and Cancel all answer false; focus starts on Cancel.
 */
import { signal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";

type Ask = { message: string; action: string; resolve: (ok: boolean) => void };
const asking = signal<Ask | null>(null);

export function confirmDialog(message: string, action = "Delete"): Promise<boolean> {
  asking.peek()?.resolve(false);
  return new Promise((resolve) => (asking.value = { message, action, resolve }));
}

function answer(ok: boolean) {
  const a = asking.peek();
  asking.value = null;
  a?.resolve(ok);
}

export function ConfirmHost() {
  const ref = useRef<HTMLDialogElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  const a = asking.value;
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (a && !d.open) {
      d.showModal();
      cancel.current?.focus();
    }
    if (!a && d.open) d.close();
  }, [a]);
  return (
    <dialog
      ref={ref}
      role="alertdialog"
      aria-labelledby="confirm-msg"
      class="confirm"
      onClose={() => answer(false)}
      onClick={(e) => e.target === ref.current && answer(false)}
    >
      <div class="dialog-body">
        <p id="confirm-msg">{a?.message}</p>
        <div class="row end">
          <button ref={cancel} type="button" class="btn" onClick={() => answer(false)}>
            Cancel
          </button>
          <button type="button" class="btn danger" onClick={() => answer(true)}>
            {a?.action}
          </button>
        </div>
      </div>
    </dialog>
  );
}
