/** JupyterHub's memory and CPU units. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseBytes, parseCpu } from "../../src/config/quantity.ts";

describe("parseBytes (JupyterHub byte units, powers of 1024)", () => {
  const table: [unknown, number | undefined][] = [
    [1048576, 1048576],
    ["100", 100],
    ["512K", 512 * 1024],
    ["512M", 512 * 1024 ** 2],
    ["2G", 2 * 1024 ** 3],
    ["1.5G", 1.5 * 1024 ** 3],
    ["1T", 1024 ** 4],
    ["lots", undefined],
    ["2Gi", undefined],
    ["-1G", undefined],
    [-5, undefined],
    [Number.NaN, undefined],
    [null, undefined],
  ];
  for (const [input, bytes] of table) it(`${JSON.stringify(input)} → ${bytes}`, () => assert.equal(parseBytes(input), bytes));
});

describe("parseCpu (cores, or a Kubernetes quantity)", () => {
  const table: [unknown, number | undefined][] = [
    [0.5, 0.5],
    [2, 2],
    ["2", 2],
    ["500m", 0.5],
    ["1.5", 1.5],
    ["fast", undefined],
    ["500M", undefined],
    [-1, undefined],
  ];
  for (const [input, cores] of table) it(`${JSON.stringify(input)} → ${cores}`, () => assert.equal(parseCpu(input), cores));
});
