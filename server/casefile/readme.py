"""README.txt of a case file: how a court, a reviewer or the provincial platform verifies it."""
from __future__ import annotations

TEMPLATE = """\
海盐县交通运输行政执法  电子案卷（一案一卷）
================================================

检查记录编号：{inspection_uuid}
导出编号：    {export_id}
导出时间：    {exported_at}（UTC）
导出人：      {exported_by}
证据文件：    {file_count} 个
审计日志检查点：共 {tree_size} 条记录，根哈希 {root_hash}
签名时间：    {signed_at}
签名公钥指纹（key id）：{key_id}

一、包内文件
  manifest.json  案卷清单（JSON）：
                   case        检查记录的全部修订版本（表单答案、执法人员、地点、设备时间与服务器时间），
                               每个证据的登记值（拍摄时 SHA-256、大小、类型、拍摄时间）与服务器实测值
                               （SHA-256、大小、识别出的类型、EXIF 时间与 GPS、提示标记）及其在包内的路径；
                   events      执法全过程记录：与本案有关的全部审计日志条目，按顺序排列，
                               每条附 RFC 6962 包含证明（inclusion_proof）；
                   checkpoint  导出时签名的审计日志检查点（条数、根哈希、时间、签名、被签名的原文）；
                   public_key  验证签名所用的 Ed25519 公钥。
  evidence/      证据原件，逐字节原样保存，文件名为该文件的 SHA-256 值加扩展名。
  documents/     已盖电子印章的执法文书（PDF/A），文件名为其 SHA-256；manifest.json 的 documents
                 列出文号与盖章记录，archive（电子档案包才有）为档号、保管期限等档案元数据。
                 印章用 pyHanko 校验：pyhanko sign validate --trust 本局CA证书.pem 文书.pdf
  README.txt     本说明。

二、自动校验（推荐）
  在装有 Python 3 和 cryptography 库的电脑上，使用 FieldCase 源代码中的校验程序
  （server/verify_case.py 及 server/audit/merkle.py、server/audit/canonical.py，无需服务器和数据库）：

      python -m server.verify_case 本文件.zip --key-id {key_id}

  程序逐项检查：每个证据文件的 SHA-256 与大小、每条审计记录的哈希、每个包含证明、检查点的签名、
  导出记录与案卷内容是否一致。全部通过时显示"校验通过"并以 0 退出；否则逐一列出有问题的文件或记录。

三、人工核对要点
  1. 公钥：将上面的 key id 与交通运输局公布的审计公钥指纹（系统地址 /api/audit/key）核对。
     不一致的，整个案卷不可信。key id 为原始公钥（32 字节）SHA-256 值的前 16 位十六进制数。
  2. 证据文件：计算 evidence/ 下每个文件的 SHA-256（如 sha256sum、certutil -hashfile 文件 SHA256），
     应与文件名及 manifest.json 中 case.evidence[].file.sha256 相同。
  3. 签名：checkpoint.signed_text 是被签名的原文（UTF-8），checkpoint.signature 是 Ed25519 签名（十六进制）。
  4. 审计记录：每条记录的哈希 = SHA-256(0x00 ‖ 规范化 JSON)，规范化 JSON 由 seq、recorded_at、actor_id、
     actor_username、action、object_type、object_id、client_address、details 九个字段组成（键名排序、
     无空白、UTF-8）；按 RFC 6962 / RFC 9162 用 inclusion_proof 逐级计算，应得到检查点的根哈希。
  5. 导出记录：最后一条 casefile.exported 记录写明了 case 部分（规范化 JSON）的 SHA-256、
     此前全部记录的序号和每个证据文件的 SHA-256。它本身也在签名的检查点之内，
     因此案卷内容、记录条目和证据文件任何一处被改动、删除或替换都会被发现。

四、说明
  - 时间均带时区。设备时间（started_at、finished_at、captured_at）来自执法终端，服务器时间
    （received_at、recorded_at）来自服务器；clock_offset_ms 为同步时测得的"设备时间减服务器时间"（毫秒），
    *_server_clock 字段是按此偏差换算后的设备时间。
  - events 中的 actor_display_name、device_time 等字段是为便于阅读而附加的，不在哈希范围内；
    以上述九个字段为准。
"""


def readme_text(manifest: dict) -> str:
    """The README for a manifest, in Chinese."""
    checkpoint = manifest["checkpoint"]
    files = {item["path"] for item in manifest["case"]["evidence"] if item["path"]}
    return TEMPLATE.format(
        inspection_uuid=manifest["inspection_uuid"], export_id=manifest["export_id"],
        exported_at=manifest["exported_at"], exported_by=manifest["exported_by"] or "—",
        file_count=len(files), tree_size=checkpoint["tree_size"],
        root_hash=checkpoint["root_hash"], signed_at=checkpoint["signed_at"],
        key_id=manifest["public_key"]["key_id"])
