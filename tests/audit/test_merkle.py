"""RFC 6962 Merkle tree: the published reference vectors, generated trees, and corrupted proofs.

Each test counts the cases it ran and fails when the count is off: a loop over an empty table
must not pass silently (transparency-dev/merkle #255).
"""
import hashlib
import json
from pathlib import Path

from server.audit import merkle

VECTORS = json.loads((Path(__file__).parent.parent / "data" / "rfc6962_vectors.json").read_text())
LEAVES = [merkle.leaf_hash(bytes.fromhex(h)) for h in VECTORS["leaves_hex"]]
ROOTS = [bytes.fromhex(h) for h in VECTORS["roots"]]
SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")


def test_reference_roots_for_every_size():
    ran = 0
    for size in range(len(LEAVES) + 1):
        assert merkle.root(LEAVES[:size]) == ROOTS[size], size
        ran += 1
    assert ran == 9


def test_reference_inclusion_proofs_are_generated_and_verified():
    ran = 0
    for case in VECTORS["inclusion"]:
        tree = LEAVES[:case["size"]]
        proof = [bytes.fromhex(p) for p in case["proof"]]
        assert merkle.inclusion_proof(tree, case["index"]) == proof
        assert merkle.verify_inclusion(tree[case["index"]], case["index"], case["size"], proof,
                                       ROOTS[case["size"]])
        ran += 1
    assert ran == 5


def test_reference_consistency_proofs_are_generated_and_verified():
    ran = 0
    for case in VECTORS["consistency"]:
        tree = LEAVES[:case["new"]]
        proof = [bytes.fromhex(p) for p in case["proof"]]
        assert merkle.consistency_proof(tree, case["old"]) == proof
        assert merkle.verify_consistency(case["old"], case["new"], ROOTS[case["old"]],
                                         ROOTS[case["new"]], proof)
        ran += 1
    assert ran == 4


def corrupted_inclusions(index, size, proof, root, leaf):
    """The probes of transparency-dev/merkle's verifier tests: each must be refused."""
    probes = [
        (index - 1, size, proof, root, leaf), (index + 1, size, proof, root, leaf),
        (index ^ 2, size, proof, root, leaf), (index, size * 2, proof, root, leaf),
        (index, size // 2, proof, root, leaf),
        (index, size, proof, root, hashlib.sha256(b"WrongLeaf").digest()),
        (index, size, proof, merkle.EMPTY_ROOT, leaf), (index, size, proof, SOME_HASH, leaf),
        (index, size, proof + [b""], root, leaf), (index, size, proof + [root], root, leaf),
        (index, size, [b""] + proof, root, leaf), (index, size, [root] + proof, root, leaf),
    ]
    for i in range(len(proof)):
        flipped = list(proof)
        flipped[i] = bytes([flipped[i][0] ^ 8]) + flipped[i][1:]
        probes.append((index, size, flipped, root, leaf))
    if proof:
        probes.append((index, size, proof[:-1], root, leaf))
    if len(proof) > 1:
        probes.append((index, size, [proof[0], SOME_HASH] + proof[1:], root, leaf))
    return probes


def test_generated_trees_every_leaf_verifies_and_no_corruption_does():
    ran = refused = 0
    leaves = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(70)]
    for size in range(1, 71):
        tree = leaves[:size]
        root = merkle.root(tree)
        for index in range(size):
            proof = merkle.inclusion_proof(tree, index)
            assert merkle.verify_inclusion(tree[index], index, size, proof, root)
            ran += 1
            for probe in corrupted_inclusions(index, size, proof, root, tree[index]):
                p_index, p_size, p_proof, p_root, p_leaf = probe
                if (p_index, p_size) != (index, size) and 0 <= p_index < p_size <= len(leaves):
                    # a different but real position may legitimately verify with its own proof
                    if p_proof == merkle.inclusion_proof(leaves[:p_size], p_index):
                        continue
                assert not merkle.verify_inclusion(p_leaf, p_index, p_size, p_proof, p_root), (size, index, probe[:2])
                refused += 1
    assert ran == 70 * 71 // 2
    assert refused > ran * 10


def test_generated_consistency_for_every_pair_and_corruptions_refused():
    ran = refused = 0
    leaves = [merkle.leaf_hash(bytes([i])) for i in range(40)]
    roots = [merkle.root(leaves[:n]) for n in range(41)]
    for new in range(41):
        for old in range(new + 1):
            proof = merkle.consistency_proof(leaves[:new], old)
            assert merkle.verify_consistency(old, new, roots[old], roots[new], proof), (old, new)
            ran += 1
            if not proof:
                continue
            probes = [(old - 1, new, roots[old], roots[new], proof),
                      (old + 1, new, roots[old], roots[new], proof),
                      (old, new * 2, roots[old], roots[new], proof),
                      (old, new, SOME_HASH, roots[new], proof), (old, new, roots[old], SOME_HASH, proof),
                      (old, new, roots[new], roots[old], proof), (old, new, roots[old], roots[new], []),
                      (old, new, roots[old], roots[new], proof + [roots[old]]),
                      (old, new, roots[old], roots[new], [roots[new]] + proof),
                      (old, new, roots[old], roots[new], proof[:-1])]
            for i in range(len(proof)):
                flipped = list(proof)
                flipped[i] = bytes([flipped[i][0] ^ 16]) + flipped[i][1:]
                probes.append((old, new, roots[old], roots[new], flipped))
            for probe in probes:
                assert not merkle.verify_consistency(*probe), (old, new, probe[:2])
                refused += 1
    assert ran == 41 * 42 // 2
    assert refused > 1000


def test_degenerate_cases():
    assert merkle.root([]) == merkle.EMPTY_ROOT
    assert merkle.verify_consistency(0, 0, merkle.EMPTY_ROOT, merkle.EMPTY_ROOT, [])
    assert merkle.verify_consistency(0, 5, b"x" * 32, b"y" * 32, [])
    assert not merkle.verify_consistency(0, 0, merkle.EMPTY_ROOT, b"y" * 32, [])
    assert not merkle.verify_consistency(1, 1, merkle.EMPTY_ROOT, merkle.EMPTY_ROOT, [merkle.EMPTY_ROOT])
    assert not merkle.verify_consistency(2, 1, b"x" * 32, b"y" * 32, [])
    for index, size in ((0, 0), (0, 1), (1, 0), (2, 1)):
        assert not merkle.verify_inclusion(SOME_HASH, index, size, [], merkle.EMPTY_ROOT)


def test_a_frontier_grows_the_same_root_as_the_whole_tree():
    leaves = [merkle.leaf_hash(i.to_bytes(2, "big")) for i in range(100)]
    frontier, ran = [], 0
    for n in range(1, 101):
        frontier = merkle.extend(frontier, leaves[n - 1:n])
        assert merkle.frontier_root(frontier) == merkle.root(leaves[:n])
        assert sum(size for size, _ in frontier) == n
        ran += 1
    assert ran == 100
