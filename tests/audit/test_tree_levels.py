"""Proofs read from tree levels built once equal RFC 6962 PATH(m, D[n]) for every leaf."""
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
