import { describe, expect, it } from "vitest";
import { summarizeCall } from "./summary";
import { formParams, xmlEscape } from "./twilio";
import { endOfCallReport, parseVapiToolCalls, vapiKind } from "./vapi";

describe("parseVapiToolCalls", () => {
  it("reads every documented list shape and parses string arguments", () => {
    expect(
      parseVapiToolCalls({ toolCallList: [{ id: "a", name: "lookup_knowledge", parameters: { query: "q" } }] }),
    ).toEqual([{ id: "a", name: "lookup_knowledge", args: { query: "q" } }]);
    expect(parseVapiToolCalls({ toolCallList: [{ id: "b", name: "x", arguments: { query: "q" } }] })[0]!.args).toEqual({
      query: "q",
    });
    expect(
      parseVapiToolCalls({
        toolCallList: [{ id: "c", type: "function", function: { name: "x", arguments: '{"query":"q"}' } }],
      })[0],
    ).toEqual({ id: "c", name: "x", args: { query: "q" } });
    expect(
      parseVapiToolCalls({
        toolWithToolCallList: [{ name: "x", toolCall: { id: "d", function: { parameters: { query: "q" } } } }],
      })[0],
    ).toEqual({ id: "d", name: "x", args: { query: "q" } });
  });
  it("deduplicates a call listed in both lists and skips entries without id or name", () => {
    const both = {
      toolCallList: [{ id: "a", name: "x", parameters: {} }, { name: "no-id" }],
      toolWithToolCallList: [{ name: "x", toolCall: { id: "a", parameters: {} } }],
    };
    expect(parseVapiToolCalls(both)).toHaveLength(1);
  });
  it("keeps unparseable string arguments as raw text instead of throwing", () => {
    expect(
      parseVapiToolCalls({ toolCallList: [{ id: "a", function: { name: "x", arguments: "{not json" } }] })[0]!.args,
    ).toEqual({ _raw: "{not json" });
  });
});

describe("endOfCallReport", () => {
  it("prefers artifact and analysis fields", () => {
    const r = endOfCallReport({
      cost: 0.5,
      startedAt: "2025-04-11T09:49:33.624Z",
      endedAt: "2025-04-11T09:49:41.358Z",
      artifact: {
        recordingUrl: "https://r/a.wav",
        messages: [
          { role: "bot", message: "Hi" },
          { role: "user", message: "Q" },
          { role: "system", message: "sys" },
        ],
      },
      analysis: { summary: "S" },
      summary: "legacy",
    });
    expect(r).toMatchObject({
      cost: 0.5,
      summary: "S",
      recordingUrl: "https://r/a.wav",
      transcript: [
        { speaker: "assistant", text: "Hi" },
        { speaker: "caller", text: "Q" },
      ],
    });
    expect(r.endedAt!.getTime() - r.startedAt!.getTime()).toBe(7734);
  });
  it("falls back to the legacy top-level fields and the call object", () => {
    const r = endOfCallReport({
      summary: "legacy summary",
      recordingUrl: "https://r/legacy.wav",
      messages: [{ role: "assistant", message: "Hello" }],
      call: { cost: 0.2 },
    });
    expect(r).toMatchObject({
      summary: "legacy summary",
      recordingUrl: "https://r/legacy.wav",
      cost: 0.2,
      transcript: [{ speaker: "assistant", text: "Hello" }],
    });
  });
});

describe("small helpers", () => {
  it("normalises the final-only transcript type literal", () => {
    expect(vapiKind('transcript[transcriptType="final"]')).toBe("transcript");
  });
  it("parses repeated Twilio form fields into arrays and ignores other content types", () => {
    expect(formParams("a=1&b=2&b=3&Body=It%27s+amazing", "application/x-www-form-urlencoded; charset=utf-8")).toEqual({
      a: "1",
      b: ["2", "3"],
      Body: "It's amazing",
    });
    expect(formParams("a=1", "application/json")).toEqual({});
  });
  it("escapes XML for TwiML", () => {
    expect(xmlEscape(`<Say>"Tom & Jerry's"</Say>`)).toBe("&lt;Say&gt;&quot;Tom &amp; Jerry&apos;s&quot;&lt;/Say&gt;");
  });
  it("summarises a call in one paragraph naming the first and last caller turns and the reason", () => {
    const s = summarizeCall(
      [
        { role: "ai", text: "Hello" },
        { role: "visitor", text: "My sync is broken" },
        { role: "ai", text: "Try Sync now." },
        { role: "visitor", text: "Still broken, get me a person" },
      ],
      { reason: "asked_for_human", from: "+14155550123" },
    );
    expect(s).toContain('(+14155550123) asked: "My sync is broken"');
    expect(s).toContain('Last they said: "Still broken, get me a person"');
    expect(s).toContain("asked for human");
    expect(s).not.toContain("\n");
  });
});
