/**
 * Business hours (issue 16): the workspace's opening hours in its time zone and its closed days.
 * Analytics then reports response and resolution times inside them too (docs/analytics.md).
 */
import { useState } from "preact/hooks";
import { businessHoursApi, intervalsText, parseIntervals, type BusinessHours } from "../models/analytics";
import { confirmDialog } from "../ui/confirm";
import { Area, Done, ErrorNote, Field, Loading, useAction, useLoad } from "../ui/kit";

const localTz = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

export function BusinessHoursForm() {
  const current = useLoad(async () => {
    const { businessHours } = await businessHoursApi.get();
    setForm(businessHours);
    return businessHours;
  });
  const [timezone, setTz] = useState(localTz);
  const [intervals, setIntervals] = useState(
    "mon 09:00-17:00\ntue 09:00-17:00\nwed 09:00-17:00\nthu 09:00-17:00\nfri 09:00-17:00",
  );
  const [holidays, setHolidays] = useState("");
  function setForm(b: BusinessHours | null) {
    if (!b) return;
    setTz(b.timezone);
    setIntervals(intervalsText(b.intervals));
    setHolidays(b.holidays.join("\n"));
  }
  const save = useAction(async () => {
    remove.clearDone();
    const { businessHours } = await businessHoursApi.save({
      timezone: timezone.trim(),
      intervals: parseIntervals(intervals),
      holidays: holidays.split(/[\s,]+/).filter(Boolean),
    });
    current.set(businessHours);
  }, "Business hours saved.");
  /** The server's messages for one field (intervals.2, holidays.0…), on the input they concern. */
  const errorsOf = (field: string) =>
    Object.entries(save.fields)
      .filter(([path]) => path === field || path.startsWith(`${field}.`))
      .map(([, message]) => message)
      .join(" ") || undefined;
  const remove = useAction(async () => {
    save.clearDone();
    await businessHoursApi.remove();
    current.set(null);
  }, "Business hours removed.");
  return (
    <section class="card" aria-labelledby="bh-title">
      <h2 id="bh-title">Business hours</h2>
      <p class="muted">
        {current.data
          ? `Set (${current.data.timezone}): analytics also reports response and resolution times in these hours.`
          : "Not set: analytics reports wall-clock response times only."}
      </p>
      {current.loading && !current.data ? (
        <Loading />
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void save.run();
          }}
        >
          <Field
            label="Time zone (IANA)"
            error={errorsOf("timezone")}
            required
            value={timezone}
            onValue={setTz}
            placeholder="Europe/Paris"
          />
          <Area
            label="Opening hours"
            hint="One interval per line: a weekday (mon…sun) and HH:MM-HH:MM, e.g. mon 09:00-17:00; 24:00 ends a day."
            rows={7}
            error={errorsOf("intervals")}
            value={intervals}
            onValue={setIntervals}
          />
          <Area
            label="Holidays"
            hint="Closed days, one YYYY-MM-DD per line."
            rows={3}
            error={errorsOf("holidays")}
            value={holidays}
            onValue={setHolidays}
          />
          <ErrorNote error={current.error ?? save.error ?? remove.error} />
          <Done text={save.done ?? remove.done} />
          <div class="row">
            <button class="btn primary" type="submit" disabled={save.busy}>
              {save.busy ? "Saving…" : "Save business hours"}
            </button>
            {current.data && (
              <button
                type="button"
                class="btn"
                disabled={remove.busy}
                onClick={() =>
                  void confirmDialog(
                    "Remove the business hours? Analytics goes back to wall-clock response times.",
                    "Remove",
                  ).then((ok) => ok && remove.run())
                }
              >
                Remove
              </button>
            )}
          </div>
        </form>
      )}
    </section>
  );
}
