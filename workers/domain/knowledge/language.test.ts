import { describe, expect, it } from "vitest";
import { detectLanguage, phraseLanguage } from "./language";

describe("language", () => {
  it("detects en/es/fr/de/pt questions by function words", () => {
    expect(detectLanguage("How do I export my notes?")).toBe("en");
    expect(detectLanguage("¿Cómo puedo exportar mis notas?")).toBe("es");
    expect(detectLanguage("Comment est-ce que je peux exporter mes notes ?")).toBe("fr");
    expect(detectLanguage("Wie kann ich meine Notizen exportieren?")).toBe("de");
    expect(detectLanguage("Como posso exportar as minhas notas?")).toBe("pt");
  });

  it("prefers the bot setting, then the question, then the hint", () => {
    expect(phraseLanguage("de", "fr", "How do I export?")).toBe("de");
    expect(phraseLanguage("auto", "fr", "Wie kann ich das machen?")).toBe("de");
    expect(phraseLanguage("auto", "pt-BR", "12345")).toBe("pt");
    expect(phraseLanguage("ja", undefined, "hello")).toBe("en");
  });
});
