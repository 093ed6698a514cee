// The core reduces a URL value to the host a WHATWG URL parser (Node, browsers, fetch) would connect to.
// Compared through the state: a detector that learned {url: x} holds exactly the state of one that
// learned {url: "https://<host>/"} with <host> = new URL(x).hostname (lower-case, without trailing dots;
// the core's own "www." cut applies to both sides alike).
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { detector, establish, codes, reason, MONDAY_10, MIN } from "./helpers.js";

function learnedState(url: string): bigint {
  const d = detector({ budgetBytes: 1 << 16, maxEntities: 4 });
  d.check({ tenant: "t", principal: "p", tool: "fetch", args: { url }, time: MONDAY_10 });
  return d.stateHash();
}

function expectedHost(url: string): string {
  return new URL(url).hostname.replace(/\.+$/, "");
}

const TRICKY = [
  "https://evil.example\\@wiki.corp.example/u",
  "https://evil.example\\wiki.corp.example/u",
  "HTTPS://EVIL.example\\x@wiki.corp.example",
  "https:evil.example/x",
  "https:/evil.example/x",
  "https:\\\\evil.example\\x",
  "https:///evil.example/x",
  "http://a@b@evil.example/",
  "http://wiki.corp.example@evil.example/",
  "http://user:pa:ss@evil.example:8080/x",
  "http://evil.example:80@wiki.corp.example/",
  "http://evil.example?@wiki.corp.example/",
  "http://evil.example#@wiki.corp.example/",
  "http://evil%2Eexample/",
  "http://%65vil.EXAMPLE/",
  "http://evil.example%2F@wiki.corp.example/",
  "http://evil.example./",
  "http://evil.example../x",
  "http://[2001:db8::1]:8080/x",
  "http://u@[::1]/",
  "  \u0000\u001fhttps://evil.example/ \u0001",
  "ht\ttps://ev\nil.exa\rmple/x",
  "https://evil.example/a b c",
  "ws://evil.example:9000/socket",
  "wss://u@evil.example",
  "ftp://anonymous:x@files.evil.example:21/pub",
  "file://srv.evil.example/share",
  "file:\\\\srv.evil.example\\share",
  "file:///etc/passwd",
  "https://www.evil.example/",
  "https://WWW.Evil.Example:443/",
  "http://evil.example:/x",
];

describe("URL hosts follow the WHATWG URL standard", () => {
  it("the finding: a backslash ends the authority, so the known host after it is not the destination", () => {
    expect(new URL("https://evil.example\\@wiki.corp.example/u").hostname).toBe("evil.example");
    const d = detector({ budgetBytes: 1 << 20 });
    const r = establish(d, {
      tenant: "acme",
      principal: "alice",
      tools: ["fetch"],
      calls: 40,
      args: (_t, i) => ({ url: `https://wiki.corp.example/page/${i % 3}` }),
    });
    const dec = d.check({
      tenant: "acme",
      principal: "alice",
      tool: "fetch",
      args: { url: "https://evil.example\\@wiki.corp.example/u" },
      time: r.last + 3 * MIN,
    });
    expect(codes(dec)).toContain("UNSEEN_ARG_VALUE");
    expect(reason(dec, "UNSEEN_ARG_VALUE")!.score).toBe(1); // a domain nobody in the tenant used
    expect(dec.learned).toBe(false);
  });

  for (const url of TRICKY) {
    it(`${JSON.stringify(url)} -> ${expectedHost(url) || '""'}`, () => {
      expect(learnedState(url)).toBe(learnedState(`https://${expectedHost(url)}/`));
    });
  }

  it("generated URLs: the core's host is new URL(x).hostname", () => {
    const letter = fc.constantFrom(..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");
    const tail = fc.constantFrom(..."abcxyzABCXYZ0189-", "%41", "%2e", "%2E", "%7A");
    const label = fc.tuple(letter, fc.array(tail, { maxLength: 6 })).map(([a, b]) => a + b.join(""));
    const host = fc
      .tuple(fc.array(label, { minLength: 1, maxLength: 4 }), fc.constantFrom("", ".", ".."))
      .map(([ls, dot]) => ls.join(".") + dot);
    const scheme = fc.constantFrom("http", "https", "HTTPS", "Ws", "wss", "ftp");
    const slashes = fc.constantFrom("//", "/", "", "\\\\", "/\\", "///", "\\/\\");
    const userinfo = fc.oneof(
      fc.constant(""),
      fc
        .array(fc.oneof(fc.constantFrom(..."abc:.", "@", "\\", "%40"), label), { maxLength: 5 })
        .map((xs) => `${xs.join("")}@`),
    );
    const port = fc.constantFrom("", ":", ":80", ":8443");
    const rest = fc
      .array(fc.constantFrom("/", "\\", "?", "#", "@", "a", ".", "x.example", " "), { maxLength: 6 })
      .map((xs) => xs.join(""));
    const noise = fc.constantFrom("", " ", "\t", "\n", "\u0001", "\r\n");
    const url = fc
      .tuple(noise, scheme, slashes, userinfo, host, port, rest, noise, fc.nat(40), fc.constantFrom("\t", "\n", "\r"))
      .map(([a, s, sl, u, h, p, r, b, at, ws]) => {
        const x = `${a}${s}:${sl}${u}${h}${p}${r}${b}`;
        const i = Math.min(at, x.length);
        return x.slice(0, i) + ws + x.slice(i); // a tab or newline anywhere: WHATWG removes them
      })
      .filter((x) => {
        try {
          return (
            /^[a-z0-9.-]+$/.test(expectedHost(x)) &&
            !/(^|\.)(\d+|0x[0-9a-f]*)$/.test(expectedHost(x)) &&
            expectedHost(x)
              .split(".")
              .every((l) => !l.startsWith("xn--"))
          );
        } catch {
          return false;
        }
      });
    let kept = 0;
    fc.assert(
      fc.property(url, (x) => {
        kept++;
        return learnedState(x) === learnedState(`https://${expectedHost(x)}/`);
      }),
      { numRuns: 300 },
    );
    expect(kept).toBe(300);
  });
});
