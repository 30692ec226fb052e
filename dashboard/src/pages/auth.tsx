/** Sign in, sign up and accept an invitation: the screens a signed-out visitor of /app sees. */
import { useState } from "preact/hooks";
import { acceptInvite, signIn, signUp } from "../models/session";
import { navigate, route } from "../router";
import { ErrorNote, Field, useAction } from "../ui/kit";

function Card({ title, children }: { title: string; children: preact.ComponentChildren }) {
  return (
    <main class="auth" id="main">
      <div class="auth-card">
        <p class="brand big" aria-hidden="true">
          <span class="logo">◗</span> Echo
        </p>
        <h1>{title}</h1>
        {children}
      </div>
    </main>
  );
}

function after() {
  const next = route.value.query.get("next");
  navigate(next && next.startsWith("/") && !next.startsWith("//") ? next : "/inbox", true);
}

export function SignIn() {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const act = useAction(signIn);
  return (
    <Card title="Sign in">
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          if (await act.run(email, password)) after();
        }}
      >
        <Field label="Email" type="email" autoComplete="username" required value={email} onValue={setEmail} />
        <Field
          label="Password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onValue={setPassword}
        />
        <ErrorNote error={act.error} />
        <button class="btn primary wide" type="submit" disabled={act.busy}>
          {act.busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
      <p class="muted">
        New to Echo? <a href="/app/signup">Create a workspace</a>
      </p>
    </Card>
  );
}

export function SignUp() {
  const [f, setF] = useState({ company: "", name: "", email: "", password: "" });
  const set = (k: keyof typeof f) => (v: string) => setF({ ...f, [k]: v });
  const act = useAction(signUp);
  return (
    <Card title="Create your workspace">
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          if (await act.run({ company: f.company, email: f.email, password: f.password, name: f.name || undefined }))
            navigate("/inbox", true);
        }}
      >
        <Field label="Company" required autoComplete="organization" value={f.company} onValue={set("company")} />
        <Field label="Your name" autoComplete="name" value={f.name} onValue={set("name")} />
        <Field label="Email" type="email" required autoComplete="email" value={f.email} onValue={set("email")} />
        <Field
          label="Password"
          type="password"
          required
          minLength={10}
          autoComplete="new-password"
          hint="At least 10 characters."
          value={f.password}
          onValue={set("password")}
        />
        <ErrorNote error={act.error} />
        <button class="btn primary wide" type="submit" disabled={act.busy}>
          {act.busy ? "Creating…" : "Create workspace"}
        </button>
      </form>
      <p class="muted">
        Already have an account? <a href="/app/login">Sign in</a>
      </p>
    </Card>
  );
}

export function Accept() {
  const token = route.value.query.get("token") ?? "";
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const act = useAction(acceptInvite);
  return (
    <Card title="Join your team">
      {!token ? (
        <ErrorNote error="This invitation link has no token. Ask for a new invitation." />
      ) : (
        <form
          onSubmit={async (e) => {
            e.preventDefault();
            if (await act.run({ token, password, name: name || undefined })) navigate("/inbox", true);
          }}
        >
          <p class="muted">
            Choose a password to accept the invitation. If you already have an Echo account, use its password.
          </p>
          <Field label="Your name" autoComplete="name" value={name} onValue={setName} />
          <Field
            label="Password"
            type="password"
            required
            minLength={10}
            autoComplete="new-password"
            value={password}
            onValue={setPassword}
          />
          <ErrorNote error={act.error} />
          <button class="btn primary wide" type="submit" disabled={act.busy}>
            {act.busy ? "Joining…" : "Accept invitation"}
          </button>
        </form>
      )}
    </Card>
  );
}
