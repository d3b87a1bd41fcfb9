"""The witness's part of the standalone case-file verifier (server/verify_case.py): was the
case file's checkpoint seen by the bureau's witness, and did the witness ever refuse the log?

Standard library and `cryptography` only, like the verifier itself.
"""
from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from server.audit import merkle
from server.audit.cosign import cosignature_text, key_id


def check_witness(manifest: dict, tree, report) -> None:
    """Report lines (and problems) for the manifest's `witness` section against the checkpoint
    `tree` = (size, root) that verify_case checked (None when that failed)."""
    witness = manifest.get("witness")
    if witness is None:
        report.lines.append("见证 witness: 未配置见证方，检查点未经见证 / no witness: the checkpoint "
                            "is not witnessed")
        return
    raw = bytes.fromhex(witness["public_key_hex"])
    witness_id = key_id(raw)
    report.lines.append(f"见证方公钥指纹 witness key id: {witness_id}（请与见证方公布的公钥核对 / "
                        "compare with the key the witness's office publishes）")
    if witness["key_id"] != witness_id:
        report.bad(f"witness: key id {witness['key_id']} is not that of its key ({witness_id})")
    for refusal in witness["refusals"]:
        report.bad(f"witness {witness_id} refused the log's checkpoint of {refusal['tree_size']} "
                   f"entries ({refusal['code']}, {refusal['refused_at']}): {refusal['detail']}")
    cosigned = witness["cosigned"]
    if cosigned is None:
        report.lines.append(f"见证 witness: 检查点尚未经见证 / not witnessed yet by {witness_id}")
        return
    if tree is None or report.key_id is None:
        return  # the checkpoint itself did not verify: already reported
    size, root = tree
    try:
        Ed25519PublicKey.from_public_bytes(raw).verify(bytes.fromhex(cosigned["signature"]), cosignature_text(
            report.key_id, cosigned["tree_size"], cosigned["root_hash"], cosigned["cosigned_at"]))
    except (InvalidSignature, ValueError):
        report.bad(f"witness {witness_id}: co-signature of {cosigned['tree_size']} entries invalid")
        return
    seen, seen_root = cosigned["tree_size"], bytes.fromhex(cosigned["root_hash"])
    proof = [bytes.fromhex(p) for p in witness["consistency_proof"]]
    if not merkle.verify_consistency(seen, size, seen_root, root, proof):
        report.bad(f"witness {witness_id} co-signed {seen} entries (root {cosigned['root_hash']}); "
                   f"this checkpoint of {size} entries does not extend them (a forked log)")
        return
    newest_entry = max((e["seq"] for e in manifest["events"]), default=0)
    if seen == size:
        report.good(f"witnessed: witness {witness_id} co-signed this checkpoint at {cosigned['cosigned_at']}")
    else:
        report.good(f"witnessed up to entry {seen}: witness {witness_id} co-signed {seen} entries at "
                    f"{cosigned['cosigned_at']}, and this checkpoint extends them (consistency proof valid)")
        if newest_entry > seen:
            report.lines.append(f"见证 witness: 条目 {seen + 1}–{size} 尚未经见证 / entries after {seen} "
                                "(this export among them) not witnessed when the file was made")
