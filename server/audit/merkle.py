"""RFC 6962 / RFC 9162 Merkle tree hashing, inclusion and consistency proofs.

Standard library only: the standalone case-file verifier uses this module too, without Flask or
a database. Hashes are bytes; leaves are the hashes of entries (`leaf_hash`).
"""
from __future__ import annotations

import hashlib

EMPTY_ROOT = hashlib.sha256(b"").digest()
# Hashers already fed their one-byte prefix: copying one costs half of what a new SHA-256 does
# (OpenSSL 3 looks the algorithm up again for each new one), the bulk of hashing a short entry.
_LEAF = hashlib.sha256(b"\x00")
_NODE = hashlib.sha256(b"\x01")


def leaf_hash(entry: bytes) -> bytes:
    """SHA-256(0x00 ‖ entry)."""
    hasher = _LEAF.copy()
    hasher.update(entry)
    return hasher.digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 ‖ left ‖ right)."""
    hasher = _NODE.copy()
    hasher.update(left + right)
    return hasher.digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1): RFC 6962's split point."""
    return 1 << ((n - 1).bit_length() - 1)


def extend(frontier: list[tuple[int, bytes]], leaves) -> list[tuple[int, bytes]]:
    """Append leaves to a frontier: the roots of the perfect subtrees a tree of n leaves splits
    into, largest first, as (size, hash). An append-only log keeps only this to grow its root."""
    stack = list(frontier)
    for leaf in leaves:
        size, value = 1, leaf
        while stack and stack[-1][0] == size:
            left_size, left = stack.pop()
            size, value = size + left_size, node_hash(left, value)
        stack.append((size, value))
    return stack


def frontier_root(frontier: list[tuple[int, bytes]]) -> bytes:
    """The tree's root from its frontier: smaller subtrees hang off the right of larger ones."""
    if not frontier:
        return EMPTY_ROOT
    value = frontier[-1][1]
    for _, left in reversed(frontier[:-1]):
        value = node_hash(left, value)
    return value


def root(leaves: list[bytes]) -> bytes:
    """MTH(D[n]) over leaf hashes: O(n) hashes, O(log n) memory beyond the input."""
    return frontier_root(extend([], leaves))


def inclusion_proof(leaves: list[bytes], index: int) -> list[bytes]:
    """PATH(m, D[n]): the audit path of leaf `index` (RFC 6962 §2.1.1)."""
    if not 0 <= index < len(leaves):
        raise ValueError(f"leaf {index} is not in a tree of {len(leaves)}")
    return _path(leaves, index)


def _path(leaves: list[bytes], m: int) -> list[bytes]:
    n = len(leaves)
    if n == 1:
        return []
    k = _split(n)
    if m < k:
        return _path(leaves[:k], m) + [root(leaves[k:])]
    return _path(leaves[k:], m - k) + [root(leaves[:k])]


def consistency_proof(leaves: list[bytes], old_size: int) -> list[bytes]:
    """PROOF(m, D[n]): proves the tree of `old_size` leaves is a prefix (RFC 6962 §2.1.2)."""
    if not 0 <= old_size <= len(leaves):
        raise ValueError(f"size {old_size} is not within a tree of {len(leaves)}")
    if old_size in (0, len(leaves)):
        return []
    return _subproof(old_size, leaves, True)


def _subproof(m: int, leaves: list[bytes], complete: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if complete else [root(leaves)]
    k = _split(n)
    if m <= k:
        return _subproof(m, leaves[:k], complete) + [root(leaves[k:])]
    return _subproof(m - k, leaves[k:], False) + [root(leaves[:k])]


def verify_inclusion(leaf: bytes, index: int, size: int, proof: list[bytes], expected_root: bytes) -> bool:
    """RFC 9162 §2.1.3.2: does `proof` show `leaf` at `index` in the tree of `size` with that root?"""
    if not 0 <= index < size or any(len(p) != 32 for p in proof) or len(leaf) != 32:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == expected_root


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes,
                       proof: list[bytes]) -> bool:
    """RFC 9162 §2.1.4.2: is the tree of `old_size` with `old_root` a prefix of the newer one?"""
    if old_size > new_size or any(len(p) != 32 for p in proof):
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if old_size == 0:
        return not proof
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is the first node
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == old_root and sr == new_root


def tree_levels(leaves: list[bytes]) -> list[bytes]:
    """Every level of the tree, leaves first, each as one byte string of 32-byte hashes.

    A last node without a sibling is carried up unchanged, which yields the RFC 6962 tree; with
    the levels built once, each inclusion proof costs O(log n) (`path_from_levels`).
    """
    level = b"".join(leaves)
    levels = [level]
    while len(level) > 32:
        level = _parents(level, 0)
        levels.append(level)
    return levels


def _parents(level: bytes, first: int) -> bytes:
    """The level above `level`'s nodes from pair `first` on: each pair hashed as one 64-byte
    slice, a last node without a sibling carried up unchanged."""
    count = len(level) // 32
    copy = _NODE.copy
    upper = []
    for at in range(first * 64, (count - 1) * 32, 64):
        hasher = copy()
        hasher.update(level[at:at + 64])
        upper.append(hasher.digest())
    if count % 2:
        upper.append(level[-32:])
    return b"".join(upper)


def frontier_from_levels(levels: list[bytes], size: int) -> list[tuple[int, bytes]]:
    """The frontier (see `extend`) of the tree's first `size` leaves, read from `tree_levels`
    of a tree holding at least that many: one node per bit of `size`."""
    if not 0 <= size <= len(levels[0]) // 32:
        raise ValueError(f"{size} leaves are not within a tree of {len(levels[0]) // 32}")
    frontier, start = [], 0
    for height in range(size.bit_length() - 1, -1, -1):
        if size >> height & 1:
            frontier.append((1 << height, _node_from_levels(levels, height, start >> height)))
            start += 1 << height
    return frontier


def merge_frontier(frontier: list[tuple[int, bytes]], nodes: list[tuple[int, bytes]]) -> list[tuple[int, bytes]]:
    """Append perfect subtrees (size, hash) that follow the frontier's leaves, each aligned to
    its size (as a frontier's are, from the frontier's end): `extend` for subtrees."""
    stack = list(frontier)
    for size, value in nodes:
        while stack and stack[-1][0] == size:
            left_size, left = stack.pop()
            size, value = size + left_size, node_hash(left, value)
        stack.append((size, value))
    return stack


def extend_levels(levels: list[bytes], leaves: list[bytes]) -> list[bytes]:
    """`tree_levels` of the tree grown by `leaves`, from the smaller tree's levels: only the nodes
    above new leaves (and the right edge they change) are hashed, O(new + log n) hashes."""
    level = levels[0] + b"".join(leaves)
    changed = len(levels[0]) // 32  # the first node of this level that is new or may differ
    grown = [level]
    while len(level) > 32:
        height = len(grown) - 1
        first = changed // 2  # parents before it have both children unchanged
        kept = levels[height + 1][:first * 32] if height + 1 < len(levels) else b""
        level = kept + _parents(level, first)
        grown.append(level)
        changed = first
    return grown


def path_from_levels(levels: list[bytes], index: int) -> list[bytes]:
    """PATH(index, D[n]) read from `tree_levels`: the same proof as `inclusion_proof`."""
    if not 0 <= index < len(levels[0]) // 32:
        raise ValueError(f"leaf {index} is not in a tree of {len(levels[0]) // 32}")
    path = []
    for level in levels[:-1]:
        sibling = index ^ 1
        if sibling * 32 < len(level):
            path.append(level[sibling * 32:sibling * 32 + 32])
        index >>= 1
    return path


def _node_from_levels(levels: list[bytes], height: int, index: int) -> bytes:
    return levels[height][index * 32:index * 32 + 32]


def range_hash_from_levels(levels: list[bytes], start: int, end: int) -> bytes:
    """MTH(D[start:end]) read from `tree_levels` of any tree holding those leaves, for a range
    that RFC 6962's recursion visits (`start` a multiple of a power of two ≥ end - start).

    Such a range is a run of perfect subtrees, largest first, each a node of the levels:
    O(log n) reads and hashes.
    """
    if not 0 <= start < end <= len(levels[0]) // 32:
        raise ValueError(f"leaves [{start}, {end}) are not in a tree of {len(levels[0]) // 32}")
    nodes = []
    while start < end:
        height = (end - start).bit_length() - 1
        if start:
            height = min(height, (start & -start).bit_length() - 1)
        nodes.append(_node_from_levels(levels, height, start >> height))
        start += 1 << height
    value = nodes[-1]
    for left in reversed(nodes[:-1]):
        value = node_hash(left, value)
    return value


def consistency_from_levels(levels: list[bytes], old_size: int, new_size: int) -> list[bytes]:
    """PROOF(old_size, D[new_size]) read from `tree_levels` of a tree of at least `new_size`
    leaves: the same proof as `consistency_proof`, in O(log² n) instead of O(n)."""
    if not 0 <= old_size <= new_size <= len(levels[0]) // 32:
        raise ValueError(f"sizes {old_size}, {new_size} are not within a tree of {len(levels[0]) // 32}")
    if old_size in (0, new_size):
        return []
    # SUBPROOF(m, D[start:end], complete), unrolled: each step adds the sibling it leaves aside.
    start, end, m, complete, siblings = 0, new_size, old_size, True, []
    while m != end - start:
        k = _split(end - start)
        if m <= k:
            siblings.append(range_hash_from_levels(levels, start + k, end))
            end = start + k
        else:
            siblings.append(range_hash_from_levels(levels, start, start + k))
            start, m, complete = start + k, m - k, False
    innermost = [] if complete else [range_hash_from_levels(levels, start, end)]
    return innermost + siblings[::-1]
