import { describe, expect, it } from "vitest";
import { operationIdOf } from "./openapi";

describe("operationIdOf", () => {
  it("derives a camel-case id from the method and the path, without the /api prefix", () => {
    expect(operationIdOf("get", "/api/billing/bots/{botId}")).toBe("getBillingBotsByBotId");
    expect(operationIdOf("POST", "/v1/chat/completions")).toBe("postV1ChatCompletions");
    expect(operationIdOf("get", "/api/answer-providers")).toBe("getAnswerProviders");
    expect(operationIdOf("get", "/health")).toBe("getHealth");
    expect(operationIdOf("get", "/api")).toBe("get");
  });

  it("keeps different routes apart: the parameter's position is part of the id", () => {
    expect(operationIdOf("get", "/api/calls/{id}")).not.toBe(operationIdOf("get", "/api/calls"));
    expect(operationIdOf("delete", "/api/roles/{id}")).not.toBe(operationIdOf("get", "/api/roles/{id}"));
    expect(operationIdOf("get", "/api/a/{id}/b")).not.toBe(operationIdOf("get", "/api/a/b/{id}"));
  });
});
