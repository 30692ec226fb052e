/** Sign in, sign up, confirm email, reset password, accept an invitation: the screens a signed-out visitor sees. */
import { useEffect, useState } from "preact/hooks";
import { api } from "../api";
import { acceptInvite, session, signIn, signUp, verifyEmail } from "../models/session";
import { navigate, route } from "../router";
import { ErrorNote, Field, fieldError, useAction } from "../ui/kit";

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
  navigate(next && next.startsWith("/") && !next.startsWith("//") ? next : "/", true); // "/" lands on the first screen the role may open (main.tsx home)
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
        <Field
          label="Email"
          type="email"
          autoComplete="username"
          required
          value={email}
          onValue={setEmail}
          error={fieldError(act.fields, "email")}
        />
        <Field
          label="Password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onValue={setPassword}
          error={fieldError(act.fields, "password")}
        />
        <ErrorNote error={act.error} />
        <button class="btn primary wide" type="submit" disabled={act.busy}>
          {act.busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
      <p class="muted">
        New to Echo? <a href="/app/signup">Create a workspace</a> · <a href="/app/reset">Forgot your password?</a>
      </p>
    </Card>
  );
}

export function SignUp() {
  const [f, setF] = useState({ company: "", name: "", email: "", password: "" });
  const set = (k: keyof typeof f) => (v: string) => setF({ ...f, [k]: v });
  const [sent, setSent] = useState(false);
  const act = useAction(async (input: Parameters<typeof signUp>[0]) => {
    if (await signUp(input)) navigate("/", true);
    else setSent(true);
  });
  if (sent)
    return (
      <Card title="Check your email">
        <p role="status">
          We sent a link to {f.email}. Open it to confirm the address and create {f.company}. If the address already has
          an Echo account, the mail tells you how to sign in instead.
        </p>
      </Card>
    );
  return (
    <Card title="Create your workspace">
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          await act.run({ company: f.company, email: f.email, password: f.password, name: f.name || undefined });
        }}
      >
        <Field
          label="Company"
          required
          autoComplete="organization"
          value={f.company}
          onValue={set("company")}
          error={fieldError(act.fields, "company")}
        />
        <Field
          label="Your name"
          autoComplete="name"
          value={f.name}
          onValue={set("name")}
          error={fieldError(act.fields, "name")}
        />
        <Field
          label="Email"
          type="email"
          required
          autoComplete="email"
          value={f.email}
          onValue={set("email")}
          error={fieldError(act.fields, "email")}
        />
        <Field
          label="Password"
          type="password"
          required
          minLength={10}
          autoComplete="new-password"
          hint="At least 10 characters."
          value={f.password}
          onValue={set("password")}
          error={fieldError(act.fields, "password")}
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
  const me = session.value;
  if (token && me)
    return (
      <Card title="Join your team">
        <p class="muted">You are signed in as {me.user.email}. The invitation must be addressed to this account.</p>
        <ErrorNote error={act.error} />
        <button
          class="btn primary wide"
          type="button"
          disabled={act.busy}
          onClick={async () => {
            if (await act.run({ token })) navigate("/", true);
          }}
        >
          {act.busy ? "Joining…" : "Accept invitation"}
        </button>
      </Card>
    );
  return (
    <Card title="Join your team">
      {!token ? (
        <ErrorNote error="This invitation link has no token. Ask for a new invitation." />
      ) : (
        <form
          onSubmit={async (e) => {
            e.preventDefault();
            if (await act.run({ token, password, name: name || undefined })) navigate("/", true);
          }}
        >
          <p class="muted">
            Choose a password to create your account. Already have an Echo account?{" "}
            <a href={`/app/login?next=${encodeURIComponent(`/accept?token=${token}`)}`}>Sign in first</a>, then accept.
          </p>
          <Field
            label="Your name"
            autoComplete="name"
            value={name}
            onValue={setName}
            error={fieldError(act.fields, "name")}
          />
          <Field
            label="Password"
            type="password"
            required
            minLength={10}
            autoComplete="new-password"
            value={password}
            onValue={setPassword}
            error={fieldError(act.fields, "password")}
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

/** Opens the mailed confirmation link: creates the workspace and signs in. */
export function Verify() {
  const token = route.value.query.get("token") ?? "";
  const act = useAction(verifyEmail);
  useEffect(() => {
    if (token) void act.run(token).then((ok) => ok && navigate("/", true));
  }, [token]);
  return (
    <Card title="Confirming your email">
      {!token ? <ErrorNote error="This link has no token. Sign up again." /> : <ErrorNote error={act.error} />}
      {act.busy && <p role="status">Creating your workspace…</p>}
    </Card>
  );
}

/** Without a token: ask for a reset mail. With the mailed token: choose a new password. */
export function Reset() {
  const token = route.value.query.get("token") ?? "";
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [done, setDone] = useState<string | null>(null);
  const ask = useAction(async (e: string) => setDone((await api.auth.requestReset(e)).detail));
  const set = useAction(async (t: string, p: string) => {
    await api.auth.confirmReset(t, p);
    setDone("Your password is changed and every session is signed out. Sign in with the new password.");
  });
  if (done)
    return (
      <Card title={token ? "Password changed" : "Check your email"}>
        <p role="status">{done}</p>
        <p class="muted">
          <a href="/app/login">Sign in</a>
        </p>
      </Card>
    );
  return (
    <Card title={token ? "Choose a new password" : "Reset your password"}>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          if (token) await set.run(token, password);
          else await ask.run(email);
        }}
      >
        {token ? (
          <Field
            label="New password"
            type="password"
            required
            minLength={10}
            autoComplete="new-password"
            value={password}
            onValue={setPassword}
            error={fieldError(set.fields, "password")}
          />
        ) : (
          <Field
            label="Email"
            type="email"
            required
            autoComplete="username"
            value={email}
            onValue={setEmail}
            error={fieldError(ask.fields, "email")}
          />
        )}
        <ErrorNote error={token ? set.error : ask.error} />
        <button class="btn primary wide" type="submit" disabled={ask.busy || set.busy}>
          {token ? "Set password" : "Send reset link"}
        </button>
      </form>
    </Card>
  );
}
