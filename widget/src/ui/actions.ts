/** What the UI may ask of the rest of the widget (wired in main.tsx). */
export type Actions = {
  send(text: string): void;
  human(): void;
  rate(score: number, comment: string): void;
  email(address: string): Promise<void>;
  upload(file: File): void;
  typing(): void;
  read(): void;
  rated(): boolean;
  /** Start a new conversation after this one was closed. */
  restart(): void;
  /** Loads the voice part on first use and starts listening; resolves to its stop handle. */
  voice(o: { onState(on: boolean): void; onInterim(text: string): void }): Promise<{ stop(): void } | null>;
};
