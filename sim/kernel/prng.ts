import { createHash } from "node:crypto";
import type { Random } from "../../protocol/ports.ts";

/**
 * sfc32: small, fast, and good enough for simulation. Its whole state is four
 * 32-bit words, so a stream can be forked or reproduced from a seed alone.
 */
export class SeededRandom implements Random {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(words: readonly [number, number, number, number]) {
    [this.#a, this.#b, this.#c, this.#d] = words;
    for (let i = 0; i < 12; i++) this.#u32();
  }

  #u32(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  next(): number {
    return this.#u32() / 4294967296;
  }
}

/** Four seed words from a run seed and a stream name (sha256, so names never collide in practice). */
export function streamWords(seed: number, name: string): [number, number, number, number] {
  const digest = createHash("sha256").update(`${seed}/${name}`).digest();
  return [digest.readUInt32LE(0), digest.readUInt32LE(4), digest.readUInt32LE(8), digest.readUInt32LE(12)];
}

/**
 * One seed per run, split into named streams (docs/design.md rule 2): turning on a
 * fault draws from its own stream and never shifts the workload's draws.
 */
export class RandomStreams {
  readonly seed: number;
  readonly #streams = new Map<string, SeededRandom>();

  constructor(seed: number) {
    this.seed = seed;
  }

  stream(name: string): SeededRandom {
    let stream = this.#streams.get(name);
    if (!stream) {
      stream = new SeededRandom(streamWords(this.seed, name));
      this.#streams.set(name, stream);
    }
    return stream;
  }
}
