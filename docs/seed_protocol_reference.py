#!/usr/bin/env python3
"""Reference implementation of the Proteus seed protocol (docs/seed-protocol.md).

Standard library only. Prints the pinned values of the document's table; they must equal
what tests/simulation/seed_protocol.rs asserts of the Rust implementation.
"""
import hashlib
import struct

REPETITION_TAG = b"proteus/repetition-seed/v1\0"
STREAM_TAG = b"proteus/stream/v1\0"
MASK = 0xFFFFFFFF


def repetition_seed(master_seed: int, scenario_id: str, repetition: int) -> int:
    sid = scenario_id.encode("utf-8")
    h = hashlib.sha256()
    h.update(REPETITION_TAG)
    h.update(struct.pack("<Q", master_seed))
    h.update(struct.pack("<Q", len(sid)))
    h.update(sid)
    h.update(struct.pack("<Q", repetition))
    return struct.unpack("<Q", h.digest()[:8])[0]


def stream_key(rep_seed: int, name: str) -> bytes:
    h = hashlib.sha256()
    h.update(STREAM_TAG)
    h.update(struct.pack("<Q", rep_seed))
    h.update(name.encode("utf-8"))
    return h.digest()


def _rotl(v, c):
    return ((v << c) & MASK) | (v >> (32 - c))


def _quarter(x, a, b, c, d):
    x[a] = (x[a] + x[b]) & MASK; x[d] = _rotl(x[d] ^ x[a], 16)
    x[c] = (x[c] + x[d]) & MASK; x[b] = _rotl(x[b] ^ x[c], 12)
    x[a] = (x[a] + x[b]) & MASK; x[d] = _rotl(x[d] ^ x[a], 8)
    x[c] = (x[c] + x[d]) & MASK; x[b] = _rotl(x[b] ^ x[c], 7)


def chacha8_block(key: bytes, counter: int):
    """One 64-byte ChaCha block with 8 rounds, 64-bit block counter, zero nonce."""
    state = [0x61707865, 0x3320646E, 0x79622D32, 0x6B206574]
    state += list(struct.unpack("<8I", key))
    state += [counter & MASK, counter >> 32, 0, 0]
    x = state[:]
    for _ in range(4):  # 8 rounds = 4 double rounds
        _quarter(x, 0, 4, 8, 12); _quarter(x, 1, 5, 9, 13)
        _quarter(x, 2, 6, 10, 14); _quarter(x, 3, 7, 11, 15)
        _quarter(x, 0, 5, 10, 15); _quarter(x, 1, 6, 11, 12)
        _quarter(x, 2, 7, 8, 13); _quarter(x, 3, 4, 9, 14)
    return [(x[i] + state[i]) & MASK for i in range(16)]


class Stream:
    """The named stream: 32-bit words of consecutive ChaCha8 blocks, in order."""

    def __init__(self, rep_seed: int, name: str):
        self.key = stream_key(rep_seed, name)
        self.counter = 0
        self.words = []

    def next_u32(self) -> int:
        if not self.words:
            self.words = chacha8_block(self.key, self.counter)
            self.counter += 1
        return self.words.pop(0)

    def next_u64(self) -> int:
        lo = self.next_u32()
        return lo | (self.next_u32() << 32)

    def next_f64(self) -> float:
        """Uniform in [0, 1): the top 53 bits of a u64, times 2^-53 (rand's `StandardUniform`)."""
        return (self.next_u64() >> 11) * 2.0**-53


if __name__ == "__main__":
    for master, scenario, rep in [(0, "default", 0), (42, "default", 0), (42, "default", 1),
                                  (42, "rmsc04-like", 0), (2026, "validation/kyle", 7),
                                  (2**64 - 1, "", 0)]:
        print(f"repetition_seed({master}, {scenario!r}, {rep}) = {repetition_seed(master, scenario, rep)}")
    seed = repetition_seed(42, "default", 0)
    for name in ["fundamental", "news", "agent/noise/3/arrivals", "latency/agent/7/submit"]:
        print(f"stream_key({seed}, {name!r}) = {stream_key(seed, name).hex()}")
    s = Stream(seed, "fundamental")
    print("fundamental u64:", [s.next_u64() for _ in range(3)])
    s = Stream(seed, "agent/noise/3/arrivals")
    print("agent/noise/3/arrivals f64:", [s.next_f64() for _ in range(3)])
