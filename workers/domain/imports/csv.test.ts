import { describe, expect, it } from "vitest";
import { CsvError, parseCsv } from "./csv";

describe("parseCsv", () => {
  it("reads plain records with LF or CRLF, with or without a final line break", () => {
    expect(parseCsv("a,b\n1,2")).toEqual([
      ["a", "b"],
      ["1", "2"],
    ]);
    expect(parseCsv("a,b\r\n1,2\r\n")).toEqual([
      ["a", "b"],
      ["1", "2"],
    ]);
  });

  it("keeps empty fields, including a trailing one", () => {
    expect(parseCsv("a,,c,\n")).toEqual([["a", "", "c", ""]]);
  });

  it("reads quoted fields with commas, doubled quotes and embedded line breaks", () => {
    expect(parseCsv('id,text\r\n1,"Hello, ""world""\r\nsecond line"\r\n2,"x\ny"\n')).toEqual([
      ["id", "text"],
      ["1", 'Hello, "world"\r\nsecond line'],
      ["2", "x\ny"],
    ]);
    expect(parseCsv('"",""')).toEqual([["", ""]]);
  });

  it("drops a UTF-8 byte order mark and skips blank lines", () => {
    expect(parseCsv("\uFEFFname\n\nJosé\n")).toEqual([["name"], ["José"]]);
  });

  it("refuses malformed quoting with the row it is in", () => {
    const err = (t: string) => {
      try {
        parseCsv(t);
      } catch (e) {
        return e;
      }
      return undefined;
    };
    expect(err('a\nb"c\n')).toEqual(expect.objectContaining({ row: 2 }));
    expect(err('a\n"b"c\n')).toBeInstanceOf(CsvError);
    expect(err('a\n"b"c\n')).toEqual(expect.objectContaining({ row: 2 }));
    expect(err('a\nb\n"never closed\n')).toEqual(expect.objectContaining({ row: 3 }));
  });

  it("counts a record spanning lines as one row", () => {
    const rows = parseCsv('h\n"one\ntwo"\nthree\n');
    expect(rows).toEqual([["h"], ["one\ntwo"], ["three"]]);
  });
});
