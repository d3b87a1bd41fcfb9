"""Proofs read from tree levels built once equal RFC 6962 PATH(m, D[n]) and PROOF(m, D[n])."""
import pytest

from server.audit import merkle


def test_paths_from_levels_equal_the_recursive_definition():
    cases = 0
    for n in range(1, 66):
        leaves = [merkle.leaf_hash(f"entry {i}".encode()) for i in range(n)]
        levels = merkle.tree_levels(leaves)
        assert levels[-1] == merkle.root(leaves)
        for index in range(n):
            path = merkle.path_from_levels(levels, index)
            assert path == merkle.inclusion_proof(leaves, index), (n, index)
            assert merkle.verify_inclusion(leaves[index], index, n, path, levels[-1])
            cases += 1
    assert cases == sum(range(1, 66))


def test_levels_grown_by_new_leaves_equal_levels_built_from_scratch():
    leaves = [merkle.leaf_hash(f"entry {i}".encode()) for i in range(140)]
    for old in range(70):
        for new in (*range(old, 70), 127, 128, 129, 140):
            grown = merkle.extend_levels(merkle.tree_levels(leaves[:old]), leaves[old:new])
            assert grown == merkle.tree_levels(leaves[:new]), (old, new)


def test_consistency_from_levels_equals_the_recursive_definition_for_every_pair():
    """Levels of a larger tree serve every older pair too: an older tree is a prefix of it."""
    leaves = [merkle.leaf_hash(f"entry {i}".encode()) for i in range(70)]
    levels = merkle.tree_levels(leaves)
    cases = 0
    for new in range(71):
        if new:
            assert merkle.range_hash_from_levels(levels, 0, new) == merkle.root(leaves[:new]), new
        for old in range(new + 1):
            proof = merkle.consistency_from_levels(levels, old, new)
            assert proof == merkle.consistency_proof(leaves[:new], old), (old, new)
            cases += 1
    assert cases == sum(range(1, 72))
    for old, new in ((3, 2), (-1, 5), (5, 71)):
        with pytest.raises(ValueError):
            merkle.consistency_from_levels(levels, old, new)


def test_frontiers_read_from_levels_equal_the_frontiers_grown_leaf_by_leaf():
    leaves = [merkle.leaf_hash(f"entry {i}".encode()) for i in range(70)]
    levels = merkle.tree_levels(leaves)
    for size in range(71):
        assert merkle.frontier_from_levels(levels, size) == merkle.extend([], leaves[:size]), size
    with pytest.raises(ValueError):
        merkle.frontier_from_levels(levels, 71)


def test_frontiers_of_aligned_chunks_merge_into_the_frontier_of_the_whole():
    """audit verify hashes the log in chunks of a power of two and merges their frontiers."""
    leaves = [merkle.leaf_hash(f"entry {i}".encode()) for i in range(100)]
    for chunk in (1, 2, 8, 16):
        for size in range(101):
            frontier = []
            for start in range(0, size, chunk):
                part = leaves[start:min(start + chunk, size)]
                frontier = merkle.merge_frontier(frontier, merkle.extend([], part))
            assert frontier == merkle.extend([], leaves[:size]), (chunk, size)
            assert merkle.frontier_root(frontier) == merkle.root(leaves[:size])
