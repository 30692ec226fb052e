import type { Ctx } from "../ctx";
import { answerOnce, streamAnswer } from "./answer";
import type { AnswerDone, AnswerInput } from "./answer-types";

/** `POST /api/bots/:id/ask`: one complete answer (the "test your bot" panel, evals, integrations). */
export async function askBot(
  ctx: Ctx,
  botId: string,
  input: Omit<AnswerInput, "botId">,
  signal?: AbortSignal,
): Promise<Omit<AnswerDone, "type">> {
  const { type: _type, ...done } = await answerOnce(streamAnswer(ctx, { ...input, botId }, signal));
  return done;
}
