/**
 * Triage: the categories the tenant's classifier learns from (with a "Try it" box), each bot's
 * escalation policy, SLA targets per priority and routing rules. Owners and admins change them (the
 * API's settings:write and bots:write); everyone else sees the same screen read-only.
 */
import { useEffect, useId, useState } from "preact/hooks";
import {
  api,
  settingsApi,
  type Category,
  type CategoryWithExamples,
  type Member,
  type Priority,
  type RoutingRule,
} from "../api";
import { can } from "../models/session";
import {
  duration,
  emptyRuleForm,
  POLICY_GROUPS,
  POLICY_SWITCHES,
  policyFormOf,
  policyPatch,
  PRIORITIES,
  PRIORITY_LABEL,
  ruleBody,
  ruleTarget,
  slaFormOf,
  slaPatch,
  type PolicyForm,
  type RuleForm,
  type SlaForm,
} from "../models/triage-settings";
import { Area, Empty, ErrorNote, Loading, Select, useAction, useLoad } from "../ui/kit";
import { Input } from "./voice";
import { confirmDialog } from "../ui/confirm";

const PRIORITY_FLOOR = [["", "No floor"], ...PRIORITIES.map((p) => [p, PRIORITY_LABEL[p]] as const)] as const;

/** Example messages: a list with a remove button each and a box that adds one (Enter or the button). */
function Examples({
  items,
  onAdd,
  onRemove,
  disabled,
  error,
}: {
  items: { key: string | number; text: string }[];
  onAdd: (text: string) => Promise<boolean> | boolean;
  onRemove: (key: string | number) => void;
  disabled?: boolean;
  error?: string;
}) {
  const [text, setText] = useState("");
  const id = useId();
  const add = async () => {
    const t = text.trim();
    if (!t) return;
    if (await onAdd(t)) setText("");
  };
  return (
    <fieldset class="examples" disabled={disabled}>
      <legend>Example messages ({items.length})</legend>
      {items.length ? (
        <ul class="plain">
          {items.map((x) => (
            <li key={x.key} class="row between">
              <span class="grow">{x.text}</span>
              {!disabled && (
                <button
                  type="button"
                  class="btn ghost small"
                  aria-label={`Remove example “${x.text}”`}
                  onClick={() => onRemove(x.key)}
                >
                  ✕
                </button>
              )}
            </li>
          ))}
        </ul>
      ) : (
        <p class="muted small">No examples yet: the classifier learns a category from its examples.</p>
      )}
      {!disabled && (
        <div class="row end">
          <div class={`field grow${error ? " invalid" : ""}`}>
            <label for={id}>New example</label>
            <input
              id={id}
              maxLength={1000}
              placeholder="A message a customer might send"
              value={text}
              aria-invalid={error ? true : undefined}
              aria-describedby={error ? `${id}-e` : undefined}
              onInput={(e) => setText(e.currentTarget.value)}
              onKeyDown={(e) => {
                if (e.key !== "Enter") return;
                e.preventDefault(); // Enter adds the example; it does not submit the surrounding form
                void add();
              }}
            />
            {error && (
              <small class="field-error" id={`${id}-e`}>
                {error}
              </small>
            )}
          </div>
          <button type="button" class="btn" onClick={() => void add()}>
            Add example
          </button>
        </div>
      )}
    </fieldset>
  );
}

function NewCategory({ onCreated }: { onCreated: () => void }) {
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [priority, setPriority] = useState<"" | Priority>("");
  const [examples, setExamples] = useState<string[]>([]);
  const save = useAction(async () => {
    await settingsApi.categories.create({
      name,
      description: description || undefined,
      priority: priority || null,
      examples,
    });
    setName("");
    setDescription("");
    setPriority("");
    setExamples([]);
    onCreated();
  });
  return (
    <form
      aria-label="New category"
      class="subcard"
      onSubmit={(e) => {
        e.preventDefault();
        void save.run();
      }}
    >
      <h3>New category</h3>
      <div class="row wrap">
        <Input
          label="Name"
          class="grow"
          required
          maxLength={80}
          placeholder="e.g. Shipping"
          value={name}
          onValue={setName}
          error={save.errorAt("name")}
        />
        <Select label="Priority floor" value={priority} onValue={setPriority} options={PRIORITY_FLOOR} />
      </div>
      <Input
        label="Description"
        maxLength={500}
        value={description}
        onValue={setDescription}
        error={save.errorAt("description")}
      />
      <Examples
        items={examples.map((t, i) => ({ key: i, text: t }))}
        onAdd={(t) => {
          setExamples((xs) => [...xs, t]);
          return true;
        }}
        onRemove={(k) => setExamples((xs) => xs.filter((_, i) => i !== k))}
        error={save.errorAt("examples")}
      />
      <ErrorNote error={save.summary(["name", "description", "priority", "examples"])} />
      <button class="btn primary" type="submit" disabled={save.busy}>
        Create category
      </button>
    </form>
  );
}

function CategoryEditor({ id, writable, onChanged }: { id: string; writable: boolean; onChanged: () => void }) {
  const cat = useLoad(() => settingsApi.categories.get(id), [id]);
  const c = cat.data;
  const [form, setForm] = useState({ name: "", description: "", priority: "" as "" | Priority });
  useEffect(() => {
    if (c) setForm({ name: c.name, description: c.description, priority: c.priority ?? "" });
  }, [c?.updatedAt]);
  const adopt = (x: CategoryWithExamples) => {
    cat.set(x);
    onChanged();
  };
  const save = useAction(
    async () =>
      adopt(
        await settingsApi.categories.update(id, {
          name: form.name,
          description: form.description,
          priority: form.priority || null,
        }),
      ),
    "Saved.",
  );
  const examples = useAction(async (text: string) => adopt(await settingsApi.categories.addExamples(id, [text])));
  const removeExample = useAction(async (exampleId: number) => {
    await settingsApi.categories.removeExample(id, exampleId);
    await cat.reload();
    onChanged();
  });
  const del = useAction(async () => {
    await settingsApi.categories.remove(id);
    onChanged();
  });
  if (!c) return cat.error ? <ErrorNote error={cat.error} /> : <Loading />;
  return (
    <form
      aria-label={`Edit ${c.name}`}
      class="subcard"
      onSubmit={(e) => {
        e.preventDefault();
        void save.run();
      }}
    >
      <fieldset disabled={!writable}>
        <div class="row wrap">
          <Input
            label="Name"
            class="grow"
            required
            maxLength={80}
            value={form.name}
            onValue={(name) => setForm({ ...form, name })}
            error={save.errorAt("name")}
          />
          <Select
            label="Priority floor"
            value={form.priority}
            onValue={(priority) => setForm({ ...form, priority })}
            options={PRIORITY_FLOOR}
          />
        </div>
        <Input
          label="Description"
          maxLength={500}
          value={form.description}
          onValue={(description) => setForm({ ...form, description })}
          error={save.errorAt("description")}
        />
      </fieldset>
      <Examples
        disabled={!writable}
        items={c.examples.map((x) => ({ key: x.id, text: x.text }))}
        onAdd={(t) => examples.run(t)}
        onRemove={(k) => void removeExample.run(Number(k))}
        error={examples.errorAt("examples")}
      />
      <ErrorNote
        error={
          save.summary(["name", "description", "priority"]) ??
          examples.summary(["examples"]) ??
          removeExample.error ??
          del.error
        }
      />
      {writable && (
        <div class="row">
          <button class="btn primary" type="submit" disabled={save.busy}>
            Save category
          </button>
          {save.done && <span role="status">{save.done}</span>}
          <span class="grow" />
          <button
            type="button"
            class="btn danger"
            disabled={del.busy}
            onClick={() =>
              void confirmDialog(`Delete the category “${c.name}” and its examples?`, "Delete category").then(
                (ok) => ok && del.run(),
              )
            }
          >
            Delete category
          </button>
        </div>
      )}
    </form>
  );
}

function Categories({
  cats,
  writable,
  onChanged,
}: {
  cats: { data: Category[] | null; error: string | null; loading: boolean };
  writable: boolean;
  onChanged: () => void;
}) {
  const [open, setOpen] = useState<string | null>(null);
  const list = cats.data ?? [];
  return (
    <section class="card" aria-labelledby="tr-cats">
      <h2 id="tr-cats">Categories</h2>
      <p class="muted small">
        Echo labels each conversation with one of these, learning from the example messages. A category's priority floor
        raises its tickets' priority.
      </p>
      <ErrorNote error={cats.error} />
      {cats.loading && !cats.data ? (
        <Loading />
      ) : !list.length ? (
        <Empty title="No categories yet" />
      ) : (
        <ul class="plain cat-list">
          {list.map((c) => (
            <li key={c.id}>
              <button
                type="button"
                class="cat-toggle"
                aria-expanded={open === c.id}
                onClick={() => setOpen(open === c.id ? null : c.id)}
              >
                <strong>{c.name}</strong>
                {c.priority && <span class="tag warn">{PRIORITY_LABEL[c.priority]} or higher</span>}
                <span class="muted small">
                  {c.exampleCount} example{c.exampleCount === 1 ? "" : "s"}
                </span>
              </button>
              {open === c.id && <CategoryEditor id={c.id} writable={writable} onChanged={onChanged} />}
            </li>
          ))}
        </ul>
      )}
      {writable && <NewCategory onCreated={onChanged} />}
    </section>
  );
}

function TryIt({ cats }: { cats: Category[] }) {
  const [text, setText] = useState("");
  const [result, setResult] = useState<Awaited<ReturnType<typeof settingsApi.categories.classify>> | null>(null);
  const run = useAction(async () => setResult(await settingsApi.categories.classify(text)));
  const name = (id: string) => cats.find((c) => c.id === id)?.name ?? id;
  const top = result
    ? Object.entries(result.scores)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 3)
    : [];
  return (
    <section class="card" aria-labelledby="tr-try">
      <h2 id="tr-try">Try it</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void run.run();
        }}
      >
        <Area
          label="Customer message"
          rows={3}
          maxLength={4000}
          placeholder="Paste a message to see its category"
          value={text}
          onValue={setText}
        />
        <ErrorNote error={run.error} />
        <button class="btn" type="submit" disabled={run.busy || !text.trim()}>
          Classify
        </button>
      </form>
      {result && (
        <div class="prediction" role="status">
          {result.name ? (
            <p>
              Category: <strong>{result.name}</strong> ({Math.round(result.confidence * 100)}% confident)
            </p>
          ) : (
            <p>No confident category: the conversation would stay unlabelled.</p>
          )}
          {top.length > 0 && (
            <ol class="small muted">
              {top.map(([id, s]) => (
                <li key={id}>
                  {name(id)}: {Math.round(s * 100)}%
                </li>
              ))}
            </ol>
          )}
        </div>
      )}
    </section>
  );
}

function Policy({ writable }: { writable: boolean }) {
  const bots = useLoad(() => api.bots.list().then((p) => p.data));
  const [botId, setBotId] = useState("");
  const bot = botId || bots.data?.[0]?.id || "";
  const policy = useLoad(() => (bot ? settingsApi.triage.policy(bot) : Promise.resolve(null)), [bot]);
  const [f, setF] = useState<PolicyForm | null>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => setF(policy.data ? policyFormOf(policy.data) : null), [policy.data]);
  const save = useAction(async () => {
    if (!policy.data || !f) return;
    policy.set(await settingsApi.triage.updatePolicy(bot, policyPatch(policy.data, f)));
    setSaved(true);
  });
  const edit = (k: keyof PolicyForm, v: string | boolean) => {
    setSaved(false);
    setF((x) => (x ? { ...x, [k]: v } : x));
  };
  const keys = POLICY_GROUPS.flatMap((g) => g.fields.map((x) => x.key));
  return (
    <section class="card" aria-labelledby="tr-policy">
      <h2 id="tr-policy">Escalation policy</h2>
      <p class="muted small">
        When a bot's conversation goes to a person. The first rule that fires wins; a ticket opens with it.
      </p>
      {(bots.data?.length ?? 0) > 1 && (
        <Select
          label="Bot"
          value={bot}
          onValue={setBotId}
          options={(bots.data ?? []).map((b) => [b.id, b.name] as const)}
        />
      )}
      <ErrorNote error={bots.error ?? policy.error} />
      {!f ? (
        bots.loading || policy.loading ? (
          <Loading />
        ) : (
          <Empty title="No bot yet" />
        )
      ) : (
        <form
          aria-label="Escalation policy"
          onSubmit={(e) => {
            e.preventDefault();
            void save.run();
          }}
        >
          <fieldset disabled={!writable}>
            {POLICY_SWITCHES.map((s) => (
              <label key={s.key} class="check block">
                <input type="checkbox" checked={f[s.key]} onChange={(e) => edit(s.key, e.currentTarget.checked)} />
                {s.label}
              </label>
            ))}
            {POLICY_GROUPS.map((g) => (
              <fieldset key={g.legend} class="policy-group">
                <legend>{g.legend}</legend>
                <div class="grid-fields">
                  {g.fields.map((x) => (
                    <Input
                      key={x.key}
                      label={x.label}
                      type="number"
                      inputMode="decimal"
                      step={x.step}
                      min={x.min}
                      max={x.max}
                      hint={x.hint}
                      value={f[x.key]}
                      onValue={(v) => edit(x.key, v)}
                      error={save.errorAt(x.key)}
                    />
                  ))}
                </div>
              </fieldset>
            ))}
          </fieldset>
          <ErrorNote error={save.summary(keys)} />
          {writable && (
            <div class="row">
              <button class="btn primary" type="submit" disabled={save.busy}>
                Save policy
              </button>
              {saved && <span role="status">Saved.</span>}
            </div>
          )}
        </form>
      )}
    </section>
  );
}

function Sla({ writable }: { writable: boolean }) {
  const sla = useLoad(() => settingsApi.triage.sla());
  const [f, setF] = useState<SlaForm | null>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => setF(sla.data ? slaFormOf(sla.data) : null), [sla.data]);
  const save = useAction(async () => {
    if (!sla.data || !f) return;
    sla.set(await settingsApi.triage.updateSla(slaPatch(sla.data, f)));
    setSaved(true);
  });
  const edit = (p: Priority, k: "firstResponseMinutes" | "resolutionMinutes", v: string) => {
    setSaved(false);
    setF((x) => (x ? { ...x, [p]: { ...x[p], [k]: v } } : x));
  };
  return (
    <section class="card" aria-labelledby="tr-sla">
      <h2 id="tr-sla">SLA targets</h2>
      <p class="muted small">Minutes to the first response and to resolution, per ticket priority.</p>
      <ErrorNote error={sla.error} />
      {!f ? (
        <Loading />
      ) : (
        <form
          aria-label="SLA targets"
          onSubmit={(e) => {
            e.preventDefault();
            void save.run();
          }}
        >
          <fieldset disabled={!writable}>
            <table class="table sla">
              <thead>
                <tr>
                  <th scope="col">Priority</th>
                  <th scope="col">First response (min)</th>
                  <th scope="col">Resolution (min)</th>
                </tr>
              </thead>
              <tbody>
                {PRIORITIES.map((p) => (
                  <tr key={p}>
                    <th scope="row">{PRIORITY_LABEL[p]}</th>
                    {(["firstResponseMinutes", "resolutionMinutes"] as const).map((k) => (
                      <td key={k}>
                        <Input
                          hideLabel
                          label={`${PRIORITY_LABEL[p]}: ${k === "firstResponseMinutes" ? "first response" : "resolution"} in minutes`}
                          type="number"
                          inputMode="numeric"
                          min={1}
                          step={1}
                          hint={duration(f[p][k])}
                          value={f[p][k]}
                          onValue={(v) => edit(p, k, v)}
                          error={save.errorAt(`${p}.${k}`)}
                        />
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </fieldset>
          <ErrorNote error={save.summary([...PRIORITIES])} />
          {writable && (
            <div class="row">
              <button class="btn primary" type="submit" disabled={save.busy}>
                Save SLA targets
              </button>
              {saved && <span role="status">Saved.</span>}
            </div>
          )}
        </form>
      )}
    </section>
  );
}

function NewRule({
  cats,
  members,
  onCreated,
}: {
  cats: Category[];
  members: Member[];
  onCreated: (r: RoutingRule) => void;
}) {
  const [f, setF] = useState<RuleForm>(() => ({ ...emptyRuleForm(), userId: members[0]?.userId ?? "" }));
  const set =
    <K extends keyof RuleForm>(k: K) =>
    (v: RuleForm[K]) =>
      setF((x) => ({ ...x, [k]: v }));
  const save = useAction(async () => {
    onCreated(await settingsApi.triage.createRule(ruleBody(f)));
    setF({ ...emptyRuleForm(), userId: f.userId });
  });
  return (
    <form
      aria-label="New routing rule"
      class="subcard"
      onSubmit={(e) => {
        e.preventDefault();
        void save.run();
      }}
    >
      <h3>New rule</h3>
      <div class="row wrap">
        <Select
          label="Category"
          value={f.categoryId}
          onValue={set("categoryId")}
          options={[["", "Any category"], ...cats.map((c) => [c.id, c.name] as const)]}
        />
        <Select
          label="Minimum priority"
          value={f.minPriority}
          onValue={set("minPriority")}
          options={[["", "Any priority"], ...[...PRIORITIES].reverse().map((p) => [p, PRIORITY_LABEL[p]] as const)]}
        />
        <Select
          label="Assign to"
          value={f.targetType}
          onValue={set("targetType")}
          options={[
            ["agent", "An agent"],
            ["team", "A team (round-robin)"],
          ]}
        />
      </div>
      {f.targetType === "agent" ? (
        <Select
          label="Agent"
          value={f.userId}
          onValue={set("userId")}
          options={members.map((m) => [m.userId, m.name ?? m.email] as const)}
        />
      ) : (
        <>
          <Input
            label="Team name"
            maxLength={80}
            value={f.teamName}
            onValue={set("teamName")}
            error={save.errorAt("target.name")}
          />
          <fieldset class={save.errorAt("target.userIds") ? "invalid" : undefined}>
            <legend>Team members</legend>
            {members.map((m) => (
              <label key={m.userId} class="check">
                <input
                  type="checkbox"
                  checked={f.teamUserIds.includes(m.userId)}
                  onChange={(e) =>
                    set("teamUserIds")(
                      e.currentTarget.checked
                        ? [...f.teamUserIds, m.userId]
                        : f.teamUserIds.filter((u) => u !== m.userId),
                    )
                  }
                />
                {m.name ?? m.email}
              </label>
            ))}
            {save.errorAt("target.userIds") && <p class="field-error">{save.errorAt("target.userIds")}</p>}
          </fieldset>
        </>
      )}
      <div class="row wrap">
        <Input
          label="Max open tickets per agent"
          type="number"
          inputMode="numeric"
          min={1}
          max={1000}
          value={f.maxOpenPerAgent}
          onValue={set("maxOpenPerAgent")}
          error={save.errorAt("maxOpenPerAgent")}
        />
        <Input
          label="Order"
          type="number"
          inputMode="numeric"
          min={0}
          max={10000}
          hint="Rules are tried from the lowest number."
          value={f.position}
          onValue={set("position")}
          error={save.errorAt("position")}
        />
      </div>
      <ErrorNote error={save.summary(["target.name", "target.userIds", "maxOpenPerAgent", "position"])} />
      <button class="btn primary" type="submit" disabled={save.busy}>
        Add rule
      </button>
    </form>
  );
}

function Routing({ cats, writable }: { cats: Category[]; writable: boolean }) {
  const rules = useLoad(() => settingsApi.triage.rules().then((p) => p.data));
  const members = useLoad(() => api.team.members().then((p) => p.data));
  const remove = useAction(async (id: number) => {
    await settingsApi.triage.removeRule(id);
    rules.set((rules.data ?? []).filter((r) => r.id !== id));
  });
  const list = rules.data ?? [];
  const catName = (id: string | null) => (id ? (cats.find((c) => c.id === id)?.name ?? id) : "Any category");
  const describe = (r: RoutingRule) =>
    `${catName(r.categoryId)}${r.minPriority ? `, ${PRIORITY_LABEL[r.minPriority]} or higher` : ""} → ${ruleTarget(r, members.data)}`;
  return (
    <section class="card" aria-labelledby="tr-routing">
      <h2 id="tr-routing">Routing rules</h2>
      <p class="muted small">
        A new ticket goes to the first matching rule's agent or team; an agent at the cap is skipped. No match leaves it
        unassigned.
      </p>
      <ErrorNote error={rules.error ?? members.error ?? remove.error} />
      {rules.loading && !rules.data ? (
        <Loading />
      ) : !list.length ? (
        <Empty title="No routing rules" />
      ) : (
        <ol class="rule-list">
          {list.map((r) => (
            <li key={r.id} class="row between">
              <span class="grow">
                <span class="tag">{r.position}</span> {describe(r)}{" "}
                <span class="muted small">(at most {r.maxOpenPerAgent} open per agent)</span>
              </span>
              {writable && (
                <button
                  type="button"
                  class="btn ghost small danger"
                  aria-label={`Delete rule: ${describe(r)}`}
                  disabled={remove.busy}
                  onClick={() =>
                    void confirmDialog("Delete this routing rule?", "Delete").then((ok) => ok && remove.run(r.id))
                  }
                >
                  Delete
                </button>
              )}
            </li>
          ))}
        </ol>
      )}
      {writable && members.data && (
        <NewRule
          cats={cats}
          members={members.data}
          onCreated={(r) => rules.set([...list, r].sort((a, b) => a.position - b.position || a.id - b.id))}
        />
      )}
    </section>
  );
}

export function Triage() {
  const writable = can("settings:write");
  const cats = useLoad(() => settingsApi.categories.list().then((p) => p.data));
  return (
    <main class="page" id="main">
      <header class="page-head">
        <h1>Triage</h1>
        <p class="muted">
          How Echo labels conversations, when it hands them to a person, how fast your team answers and who gets each
          ticket.
        </p>
        {!writable && <p class="readonly-note">Read-only: only owners and admins can change triage settings.</p>}
      </header>
      <div class="cols">
        <div class="col">
          <Categories cats={cats} writable={writable} onChanged={() => void cats.reload()} />
          <Policy writable={writable} />
        </div>
        <div class="col">
          <TryIt cats={cats.data ?? []} />
          <Sla writable={writable} />
          <Routing cats={cats.data ?? []} writable={writable} />
        </div>
      </div>
    </main>
  );
}
