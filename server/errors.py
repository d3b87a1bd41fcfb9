"""Problem details (RFC 9457) for every API error, and the one catalog of stable error codes.

Clients branch on `code` (e.g. `auth.invalid_credentials`), never on the text. Each code has an
HTTP status, an English `title` and a zh-CN `detail` that tells the user what to do. Every code
any part of server/ answers with is in CATALOG, grouped by feature below; a catalog code nothing
answers with today is in RESERVED with the reason (tests/test_error_catalog.py reads the source
and checks both). The catalog is published in the OpenAPI document and at `GET /api/errors`.
"""
from __future__ import annotations

import re

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

PROBLEM_TYPE_BASE = "https://fieldcase.invalid/problems/"

# code -> (status, title, zh-CN detail a user can act on). A feature adds its codes to its group.
CATALOG: dict[str, tuple[int, str, str]] = {
    # Requests, sessions, accounts (server/schemas.py, request_body.py, accounts/, health.py)
    "request.invalid": (400, "Bad request", "请求无效，请检查后重试。"),
    "request.body_empty": (400, "Empty request body", "请求内容为空，请填写后重新提交。"),
    "request.invalid_json": (400, "Malformed JSON", "请求内容不是有效的 JSON，请检查格式后重试。"),
    "request.not_json": (415, "JSON required", "请求内容必须是 JSON（Content-Type: application/json）。"),
    "request.unsupported_media_type": (415, "Unsupported media type", "不支持的内容类型。"),
    "request.too_large": (413, "Request too large", "请求内容过大，请减少内容后分批提交。"),
    "request.timeout": (408, "Request body timed out",
                        "请求内容发送中断（网络超时），本次提交未生效，请在网络恢复后重试。"),
    "request.validation": (422, "Validation failed", "提交的内容有误，请按提示逐项修改。"),
    "request.method_not_allowed": (405, "Method not allowed", "不支持该请求方法。"),
    "request.not_found": (404, "Not found", "请求的内容不存在或您无权查看。"),
    "request.conflict": (409, "Conflict",
                         "另一请求刚刚修改了相同的数据，本次提交未生效。请刷新后查看，如仍需要请重新提交。"),
    "request.precondition_failed": (412, "Precondition failed", "数据已变化，请刷新后重试。"),
    "request.uri_too_long": (414, "URI too long", "请求地址过长，请减少查询条件（如一次查询的编号数量）后重试。"),
    "request.headers_too_large": (431, "Request headers too large",
                                  "请求头过大或过多，请清除浏览器中本站的 Cookie 后重试。"),
    "request.range_not_satisfiable": (416, "Range not satisfiable", "请求的字节范围超出文件大小，请重新下载整个文件。"),
    "auth.required": (401, "Login required", "请先登录。登录已过期时请重新登录，未同步的数据不会丢失。"),
    "auth.invalid_credentials": (401, "Invalid credentials", "用户名或密码错误，请重新输入。"),
    "auth.account_disabled": (403, "Account disabled", "该账号已停用，请联系管理员。"),
    "auth.account_locked": (429, "Account temporarily locked",
                            "登录失败次数过多，账号已临时锁定，请稍后再试或联系管理员。"),
    "auth.address_throttled": (429, "Too many attempts", "该设备登录尝试过于频繁，请稍后再试。"),
    "auth.csrf_failed": (403, "CSRF token missing or wrong", "安全校验失败（CSRF），请刷新页面或重新登录后重试。"),
    "auth.forbidden": (403, "Forbidden", "您没有执行此操作的权限。"),
    "account.username_taken": (409, "Username taken", "该用户名已被使用，请换一个。"),
    "account.team_not_found": (422, "Unknown team", "所填中队不存在，请先创建该中队或检查代码。"),
    "account.team_exists": (409, "Team exists", "该中队代码已存在。"),
    "account.weak_password": (422, "Weak password", "密码至少 10 位，且不能与用户名相同。"),
    "server.error": (500, "Internal server error",
                     "服务器内部错误，数据未被修改。请稍后重试，如持续出现请联系管理员。"),
    "server.unavailable": (503, "Service unavailable", "服务暂时不可用，请稍后重试。"),
    # Forms (forms/)
    "form.not_found": (404, "Unknown form or version", "没有该检查表单或该版本，请更新表单列表后重试。"),
    # The working-day calendar (workdays.py, workdays_routes.py)
    "calendar.year_unknown": (422, "Holidays of the year not known",
                              "该年度节假日安排尚未录入，无法计算期限。请管理员录入当年国务院办公厅放假通知后重试。"),
    "calendar.entry_refused": (422, "Holiday arrangement not entered",
                               "录入的节假日安排有误或该年已录入，未保存任何内容。请对照国务院办公厅通知修改后重试。"),
    "calendar.check_refused": (422, "Holiday arrangement check not recorded",
                               "该年份无需核对、刚刚已被更正，或由您本人录入，核对未记录。请刷新页面后重试。"),
    # Discretion benchmarks and the penalty calculator (discretion/)
    "discretion.unknown_violation": (422, "No benchmark for the violation",
                                     "没有该违法行为的裁量基准，请检查违法行为代码或更新应用。"),
    "discretion.invalid_facts": (422, "Facts missing or wrong", "案件事实缺失或有误，请按提示逐项填写后重新计算。"),
    "discretion.no_level": (422, "No circumstance level fits",
                            "所填事实不符合该违法行为任何一档情节（例如超限量为 0），请核对事实；"
                            "如确有违法行为，请联系法制审核人员。"),
    "discretion.not_competent": (422, "Punished by another authority",
                                 "该违法行为由公安机关处罚，本机关不作处罚决定，请按规定移送。"),
    "discretion.invalid_proposal": (422, "Proposed fine without an amount",
                                    "拟处罚款时须填写罚款金额（整数，单位：元）。"),
    "discretion.benchmark_defect": (500, "Benchmark defect",
                                    "裁量基准数据有误，无法计算（情节条件重叠或计算结果无效），请联系法制审核人员核对基准。"),
    # The target directory (targets/)
    "targets.import_invalid": (422, "Target file has errors",
                               "导入文件有误，未导入任何数据。请按每行提示（行号、列、问题）修改后重新导入。"),
    "targets.file_required": (400, "File missing", "请选择要导入的 CSV 或 XLSX 文件（表单字段 file）。"),
    "targets.not_found": (404, "Unknown target", "检查对象不存在，请刷新名录后重试。"),
    # The officers' directory (officers/)
    "officers.not_an_officer": (422, "Not an officer", "该账号不是执法人员，不能登记执法证、请假或回避。"),
    "officers.certificate_exists": (409, "Certificate recorded", "该执法证号已登记，换发新证请填写新证号。"),
    "officers.already_revoked": (409, "Already revoked", "该执法证已被注销。"),
    "officers.conflict_exists": (409, "Conflict declared", "该执法人员与该检查对象的回避关系已登记。"),
    "officers.conflict_withdrawn": (409, "Conflict withdrawn", "该回避申报已撤回。"),
    # Evidence uploads over tus (evidence/tus.py, uploads.py, upload_routes.py)
    "upload.tus_version": (412, "Unsupported tus version",
                           "客户端的断点续传协议版本不受支持（需要 tus 1.0.0），请更新应用。"),
    "upload.length_invalid": (400, "Invalid Upload-Length",
                              "上传长度（Upload-Length）缺失或无效，请重新选择文件上传。"),
    "upload.empty": (400, "Empty file", "文件为空（0 字节），不能作为证据上传。"),
    "upload.too_large": (413, "File too large", "文件超过允许的最大大小，请联系管理员。"),
    "upload.metadata_invalid": (400, "Invalid Upload-Metadata",
                                "上传信息（Upload-Metadata）缺失或有误，请先同步检查记录后重试。"),
    "upload.not_found": (404, "Upload not found",
                         "上传不存在、已过期或不属于您，请重新开始上传该证据。"),
    "upload.offset_mismatch": (409, "Offset mismatch",
                               "上传位置与服务器不一致，请从服务器记录的位置继续上传。"),
    "upload.offset_invalid": (400, "Invalid Upload-Offset", "上传位置（Upload-Offset）缺失或无效。"),
    "upload.content_type": (415, "Wrong Content-Type",
                            "续传数据的 Content-Type 必须是 application/offset+octet-stream。"),
    "upload.checksum_invalid": (400, "Invalid Upload-Checksum",
                                "分段校验值（Upload-Checksum）格式无效或算法不受支持（支持 sha256、sha1）。"),
    "upload.checksum_mismatch": (460, "Checksum mismatch",
                                 "本段数据校验失败，已丢弃，请重新发送本段。"),
    "upload.locked": (423, "Upload busy", "该文件正在另一连接中上传，请稍后再试。"),
    "upload.completed": (409, "Upload already complete", "该文件已上传完成，无需继续上传。"),
    "upload.incomplete_body": (400, "Body cut short",
                               "连接中断，已保存收到的部分，请从服务器记录的位置继续上传。"),
    # Evidence: checking, storing and serving files (evidence/)
    "evidence.not_listed": (404, "Evidence not listed",
                            "检查记录中没有这项证据，或您无权查看该记录。请先同步检查记录。"),
    "evidence.not_an_officer": (403, "Not an officer of the inspection",
                                "只有参与该次检查的执法人员可以上传其证据。"),
    "evidence.size_differs": (422, "Size differs from the record",
                              "文件大小与检查记录中登记的不一致，请从手机重新上传原件。"),
    "evidence.declared_hash_differs": (422, "SHA-256 differs from the record",
                                       "上传声明的 SHA-256 与检查记录中登记的不一致，请从手机重新上传原件。"),
    "evidence.hash_mismatch": (422, "Integrity check failed",
                               "文件完整性校验失败（SHA-256 与拍摄时记录的不一致），证据仍为缺失，"
                               "请从手机重新上传原件。"),
    "evidence.already_received": (409, "Evidence already received",
                                  "该证据已接收，原件不可替换；本次提交的文件与原件不同，已丢弃。"),
    "evidence.unsupported_type": (415, "Unsupported file type",
                                  "不支持的文件类型。仅接受 JPEG、PNG、WebP、HEIC 照片，"
                                  "WebM、Ogg、MP4/M4A、AAC、AMR、WAV、MP3 录音和 MP4、WebM 视频。"),
    "evidence.image_too_large": (422, "Image too large",
                                 "图片像素数超过上限（可能是恶意文件），已拒收。"),
    "evidence.image_unreadable": (422, "Not an image",
                                  "照片无法识别（宽度或高度为零，不是可查看的图片），不能作为证据保存，已拒收。请在手机上查看原件能否打开。"),
    "evidence.not_received": (404, "Evidence not received", "该证据尚未上传到服务器。"),
    "evidence.no_preview": (404, "No preview", "该证据没有缩略图或预览图（不是照片，或图片无法解析）。"),
    # Case files (casefile/)
    "casefile.evidence_damaged": (500, "Evidence original damaged",
                                  ("证据原件在存储中缺失或已损坏（与登记的 SHA-256 不一致），无法导出案卷。"
                                   "请联系管理员运行 audit verify 检查。")),
    "casefile.document_damaged": (500, "Sealed document damaged",
                                  ("已盖章文书的文件在存储中缺失或已损坏，无法导出案卷。"
                                   "请联系管理员运行 audit verify 检查。")),
    # Enforcement documents (documents/)
    "document.unknown_type": (422, "Unknown document type", "没有这种文书，请刷新文书种类列表后重试。"),
    "document.unknown_fields": (422, "Unknown document fields", "文书中有不认识的栏目，请删除后重试。"),
    "document.missing_fields": (422, "Required document fields missing", "文书缺少必填栏目，请填写后再出具。"),
    "document.invalid_fields": (422, "Invalid document fields", "文书栏目内容有误，请按提示修改。"),
    "document.not_sealed": (409, "Document not sealed yet", "文书尚未盖章，请稍后再下载。"),
    # The electronic archive (archive/)
    "archive.not_final": (409, "Inspection not final", "只有审核通过（已办结）的检查记录才能归档。"),
    "archive.exists": (409, "Already archived", "该记录已归档，档案只读；后续情况请以“补充事项”追加。"),
    "archive.not_found": (404, "Archive not found", "档案不存在或您无权查看。"),
    "archive.letter_required": (422, "Sealed transfer letter required",
                                "移送须附已盖章的本案《案件移送函》，请先出具并等待盖章完成。"),
    # Provincial export (export/): the collector's pull API and the admins' dead letters
    "export.invalid_cursor": (400, "Invalid cursor",
                              "游标（cursor）无效：请使用上一页返回的 next_cursor，或不带游标从头读取。"),
    "export.cursor_unknown": (409, "Cursor not in this log",
                              "游标指向的位置在本系统的审计日志中不存在（可能来自其他系统或数据库已恢复），"
                              "请不带游标从头读取，并按事件 id 去重。"),
    "export.token_invalid": (401, "Invalid collector token", "采集令牌无效或已吊销，请向管理员申请新令牌。"),
    "export.page_too_large": (422, "Page too large", "每页条数超过上限，请减小 limit。"),
    "export.schema_not_found": (404, "No such schema", "没有该数据格式文件，请查看格式索引。"),
    "export.delivery_not_found": (404, "No such delivery", "该推送记录不存在。"),
    "export.not_dead": (409, "Not a dead letter", "只有投递失败（死信）的推送可以重新投递，请刷新后查看。"),
    "export.client_exists": (409, "Collector exists", "该采集端名称已存在。"),
    "export.client_not_found": (404, "No such collector", "没有该名称的采集端。"),
    "export.endpoint_exists": (409, "Endpoint exists", "该推送地址名称已存在。"),
    "export.endpoint_not_found": (404, "No such endpoint", "没有该名称的推送地址。"),
    # Review actions (review/service.py); the review desk branches on these
    "review.not_supervisor": (403, "Not this team's supervisor", "只有本中队的中队长可以审核该记录。"),
    "review.not_legal_reviewer": (403, "Not a legal reviewer", "只有法制审核人员可以出具法制审核意见。"),
    "review.own_work": (403, "Own work", "您参加了该检查，应当回避，不能审核自己的工作。"),
    "review.stale_revision": (409, "Not the latest revision", "该记录已有更新的版本，请打开最新版本后再操作。"),
    "review.stale_status": (409, "Status changed", "该记录的状态已被他人改变，请刷新后重新查看再操作。"),
    "review.invalid_transition": (409, "Not possible in this status", "该记录当前状态下不能进行此操作。"),
    "review.legal_opinion_required": (409, "Legal opinion needed", "重大执法决定须经法制审核同意后才能审核通过。"),
    "review.legal_review_required": (409, "Legal review needed",
                                     "该检查已被列为重大执法决定，更正后的记录须再次送法制审核。"),
    "review.already_sent": (409, "Already sent", "该版本已送过法制审核。"),
    "review.unknown_item": (422, "Unknown item", "意见所指的检查项不在该表单中。"),
    "review.checklist_incomplete": (422, "Checklist incomplete", "同意前须逐项确认法制审核要点。"),
    "review.comment_required": (422, "Comment required", "请填写意见。"),
    # Dispositions of findings, cases, payments (cases/)
    "disposition.inspection_not_approved": (409, "Inspection not approved",
                                            "只有审核通过的检查记录中的问题才能处置，请先完成审核。"),
    "disposition.not_a_finding": (404, "Not a finding", "该检查项不是“不符合”项，无需处置。"),
    "disposition.forbidden": (403, "Not allowed to dispose",
                              "只有参与检查的执法人员可以提出处置意见，只有本中队的中队长可以决定或确认。"),
    "disposition.exists": (409, "Already disposed", "该问题已有处置（或待确认的处置意见），请刷新后查看。"),
    "disposition.stale": (409, "Disposition changed", "该处置已被他人处理，请刷新后重新查看再操作。"),
    "disposition.invalid_transition": (409, "Not possible now", "该处置意见已确认或已驳回，不能再操作。"),
    "disposition.invalid": (422, "Disposition incomplete", "处置内容不完整，请按提示填写。"),
    "disposition.unknown_ground": (422, "Unknown legal ground", "请从列表中选择不予处罚的法定依据。"),
    "case.forbidden": (403, "Not allowed in this case", "您的角色不能在该案件中进行此操作。"),
    "case.stale": (409, "Case changed", "该案件已被他人更新，请刷新后重新查看再操作。"),
    "case.invalid_transition": (409, "Not possible in this step", "案件当前环节不能进行此操作。"),
    "case.invalid": (422, "Invalid step", "填写的内容有误，请按提示修改。"),
    "case.statement_pending": (409, "Statement period running",
                               "当事人陈述、申辩期限尚未届满且未记录陈述申辩，暂不能进入下一环节。"),
    "case.hearing_pending": (409, "Hearing pending", "当事人已申请听证，须先记录听证情况。"),
    "case.hearing_not_available": (409, "No right to a hearing", "拟处罚款未达到听证标准，当事人无听证权利。"),
    "case.hearing_not_requested": (409, "No hearing requested", "当事人未申请听证，无需记录听证。"),
    "case.hearing_period_over": (409, "Hearing request too late", "已超过告知后五个工作日的听证申请期限。"),
    "case.not_major": (409, "Not a major decision", "该案件不属于重大执法决定，无需法制审核。"),
    "case.legal_review_required": (409, "Legal review needed", "重大执法决定须经法制审核同意后才能作出决定。"),
    "case.fine_above_notice": (409, "Fine above the notice",
                               "决定的罚款高于告知的拟处罚款，须重新进行处罚前告知。"),
    "case.extension_too_long": (422, "Extension too long", "延长办案期限累计不得超过三十日。"),
    "case.reason_required": (422, "Reason for leaving the benchmark",
                             "拟处罚超出裁量基准，须书面说明理由（并将提交法制审核）。"),
    "case.penalty_unlawful": (422, "Outside the statutory range", "拟罚款超出法定幅度，不得作出。"),
    "disposition.simple_not_allowed": (422, "Simple procedure not allowed",
                                       "该处罚不适用简易程序（限警告，或对公民 200 元、对单位 3000 元以下罚款），"
                                       "请改为立案。"),
    "case.not_paid": (409, "Fine not paid", "罚款尚未缴清，不能结案。"),
    "case.unknown_document": (404, "Unknown document", "该案件没有这份文书，请刷新案件后重试。"),
    "payment.reference_conflict": (409, "Reference used", "该缴款流水号已登记为另一笔缴款，请核对后重试。"),
    "payment.bad_signature": (401, "Bad signature", "缴款通知的签名无效（HMAC-SHA256），已拒收。"),
    "payment.stale_timestamp": (401, "Stale notice", "缴款通知的时间戳与服务器时间相差过大，已拒收，请重新签名发送。"),
    "payment.unknown_case": (404, "Unknown case", "没有该案号的案件，请核对决定书编号。"),
    # Training records (training/): one at a time or imported from XLSX, all or nothing
    "training.duplicate": (409, "Training already recorded",
                           "该培训记录已登记（同一人员、课程、开始日期），无需重复录入。"),
    "training.not_an_officer": (422, "Not an officer", "只能为执法人员登记培训记录，请核对人员。"),
    "training.import_unreadable": (422, "Not an XLSX file",
                                   "无法读取该文件，请上传 Excel/WPS 保存的 .xlsx 文件（不支持 .xls 或 .csv）。"),
    "training.import_columns": (422, "Columns missing", "表格缺少必需的列，请按模板填写列名后重新导入。"),
    "training.import_empty": (422, "No rows", "表格中没有培训记录，请填写后重新导入。"),
    "training.import_too_large": (413, "Too many rows", "一次最多导入 5000 行，请分批导入。"),
    "training.import_invalid": (422, "Rows invalid",
                                "导入未执行，没有保存任何记录。请按提示逐行修改后重新导入。"),
    # Oversight (oversight/): the dashboard's figures, exports and early warnings
    "oversight.unknown_figure": (404, "Unknown figure", "没有该统计指标，请刷新页面后重试。"),
    "oversight.period_invalid": (422, "Invalid period",
                                 "统计期间无效：起止月份格式为 YYYY-MM，起始不晚于截止，且最多 36 个月。"),
    "oversight.already_acknowledged": (409, "Already acknowledged",
                                       "该预警已由他人确认，请刷新后查看确认人和时间。"),
    "oversight.not_your_team": (403, "Not your team", "只能查看或确认本中队的统计和预警。"),
    # Random inspection plans, their draw and tasks (draws/)
    "plan.not_found": (404, "Plan not found", "抽查计划不存在。"),
    "plan.not_supervisor": (403, "Not a supervisor", "只有中队长可以批准、承诺、抽取或撤销抽查计划。"),
    "plan.stale_status": (409, "Plan status changed", "该抽查计划的状态已被他人改变，请刷新后重新查看再操作。"),
    "plan.invalid_transition": (409, "Not possible in this status",
                                "该抽查计划当前状态下不能进行此操作（已抽取的计划不能再次抽取或撤销）。"),
    "plan.unknown_form": (422, "Unknown form", "所选检查表单（抽查事项）不存在，请重新选择。"),
    "plan.no_targets": (409, "No eligible targets",
                        "按该计划的范围和排除规则，没有可抽取的检查对象，请调整范围后重新提交。"),
    "plan.seed_unsealable": (500, "Sealed seed cannot be opened",
                             "无法打开该计划承诺的密封种子（服务器密钥缺失或与承诺时不同，或数据被改动），"
                             "未进行抽取，计划保持不变。请联系系统管理员恢复原密钥后再抽取。"),
    "task.not_found": (404, "Task not found", "检查任务不存在或不是分派给您的。"),
    "task.already_done": (409, "Task already done", "该检查任务已完成。"),
    "task.wrong_inspection": (422, "Not this task's inspection",
                              "该检查记录与任务不符（检查表单、检查对象或执法人员不同），不能用于完成此任务。"),
    "task.not_done": (409, "Task not done", "该检查任务尚未完成检查，不能公示结果。"),
    "task.already_published": (409, "Already published", "该检查结果已公示，不能重复公示。"),
    # 案卷评查: the quarterly review sample, scores and problems (evalreview/)
    "evalreview.quarter_invalid": (422, "Invalid quarter", "季度格式为 YYYY-Qn，如 2026-Q3。"),
    "evalreview.not_supervisor": (403, "Not a supervisor", "只有中队长或管理员可以抽取评查案卷或确认问题已整改。"),
    "evalreview.not_reviewer": (403, "Not a reviewer", "只有法制审核人员或中队长可以评查案卷。"),
    "evalreview.own_file": (403, "Own file", ("您参与过该案卷的办理或审核，应当回避，不能评查该案卷，"
                                              "请交由其他评查人员评分。")),
    "evalreview.sample_exists": (409, "Sample exists", "该季度的评查抽样已经承诺或抽取，每季度只抽取一次。"),
    "evalreview.no_files": (409, "No closed files", "该季度没有已结案的案件或已审核通过的检查记录，无需抽取。"),
    "evalreview.already_drawn": (409, "Already drawn", "该季度的评查案卷已经抽取，结果不能重抽。"),
    "evalreview.seed_unsealable": (500, "Sealed seed cannot be opened",
                                   "无法打开该季度评查抽样承诺的密封种子（服务器密钥缺失或与承诺时不同，或数据被改动），"
                                   "未进行抽取。请联系系统管理员恢复原密钥后再抽取。"),
    "evalreview.sample_not_found": (404, "Sample not found", "评查抽样不存在。"),
    "evalreview.file_not_sampled": (404, "File not sampled", "该案卷不在本季度抽取的评查名单中。"),
    "evalreview.answers_incomplete": (422, "Answers incomplete",
                                      "请对评查标准的每一项逐项评定（符合、不符合或不适用）后再提交。"),
    "evalreview.not_applicable_refused": (422, "Item always applies", "该评查项目对所有案卷都适用，不能选“不适用”。"),
    "evalreview.defect_note_required": (422, "Defect note required", "评为“不符合”的项目须写明存在的问题。"),
    "evalreview.stale_score": (409, "Score changed", "该案卷的评分已有更新，请刷新后在最新评分的基础上更正。"),
    "evalreview.reason_required": (422, "Reason required", "更正评分须说明更正理由。"),
    "evalreview.problem_not_found": (404, "Problem not found", "评查问题不存在。"),
    "evalreview.problem_not_open": (409, "Problem not open", "该问题已整改或已撤销，无需再次确认。"),
    # Sync and reading records (inspections/): problems that refuse the whole request
    "sync.too_many_records": (413, "Too many records", "一次同步的记录过多，请分批同步（应用会自动分批）。"),
    "sync.invalid_cursor": (400, "Invalid cursor", "翻页参数无效，请从第一页重新查询。"),
    # Sync (inspections/): one answer per record inside the 200 answer of POST /api/sync
    # (`results[i].code`), never a problem; status 200 marks them. The detail sent is often more
    # precise than the one here, and `errors` says which field or item.
    "sync.invalid_uuid": (200, "Record without a UUID", "记录缺少有效的 UUID，无法保存。"),
    "sync.invalid_record": (200, "Invalid record", "记录内容有误，请按提示修改。"),
    "sync.unknown_form": (200, "Unknown form version", "记录所用的检查表单版本不存在，请更新应用后重试。"),
    "sync.invalid_answers": (200, "Invalid answers", "检查内容有误，请按提示逐项修改。"),
    "sync.invalid_officers": (200, "Invalid officers",
                              "执法人员有误：至少两名、不能重复、须包括提交人，且均持有效执法证，请按提示修改。"),
    "sync.implausible_time": (200, "Implausible device time", "检查时间不合理，请核对手机时钟。"),
    "sync.evidence_taken": (200, "Evidence used by another record", "记录中的证据编号已被另一条记录使用。"),
    "sync.invalid_amendment": (200, "Invalid amendment",
                               "该更正不能提交：要更正的记录不存在、未被退回、已被处理或表单不同，请按提示处理。"),
    "sync.amendment_superseded": (200, "Amendment superseded",
                                  "这条记录已被更正过，本次更正不能再提交。请放弃本次更正，或打开最新版本查看。"),
    "sync.conflict": (200, "Same UUID, other content",
                      "该编号的记录已保存且内容不同，未作修改。如需更正，请在记录被退回后提交更正。"),
    "sync.unknown_target": (200, "Unknown target", "记录所指的检查对象不在名录中，请刷新检查对象后重试。"),
    "sync.revisit_reason_required": (200, "Revisit reason required",
                                     "该检查对象近期已被检查，再次检查须填写理由（防止执法扰民）。"),
    "sync.storage_refused": (200, "Storage refused the record", "服务器拒绝保存该记录（数据冲突），请联系管理员。"),
    # The simple procedure on the spot (simple/): number blocks, and per-decision answers (200)
    "number_block.too_many": (409, "Device holds enough numbers",
                              "本设备已有两个未用完的号段，请先用完或交回后再领取。"),
    "number_block.closed": (409, "Block closed", "该号段已交回或已在年度结束时关闭，其未用号码已作废。"),
    "simple.invalid_record": (200, "Invalid decision", "当场处罚决定书内容有误，请按提示修改。"),
    "simple.conflict": (200, "Same UUID, other content",
                        "服务器上已有该决定书的另一版本，决定书一经作出不能修改，请联系中队长处理。"),
    "simple.invalid_penalty": (200, "Penalty unclear", "罚款须写明金额（元），警告不写金额。"),
    "simple.over_limit": (200, "Over the simple procedure's limit",
                          "当场处罚限警告，或对公民 200 元以下、对法人或者其他组织 3000 元以下罚款"
                          "（《行政处罚法》第五十一条），请改按普通程序立案。"),
    "simple.wrong_procedure": (200, "Simple procedure not applicable",
                               "按裁量基准，该违法行为不适用简易程序，请改按普通程序立案或作其他处置。"),
    "simple.outside_benchmark": (200, "Outside the benchmark",
                                 "当场处罚须在裁量基准之内；超出基准须书面说明理由并经法制审核，请改按普通程序办理。"),
    "simple.calculation_refused": (200, "Facts do not fit the benchmark",
                                   "违法事实缺失或有误，请按提示核对后重新计算。"),
    "simple.number_not_in_block": (200, "Number not in the device's block",
                                   "文书号不在本设备为本人领取的号段内，请联网领取号段后重新出具。"),
    "simple.number_voided": (200, "Number voided", "该文书号已作废（号段已交回或年度已结束），请联系中队长处理。"),
    "simple.number_used": (200, "Number used", "该文书号已被另一份决定书使用，请联系中队长处理。"),
    "simple.invalid_officers": (200, "Invalid officers", "当场处罚须由两名持有效执法证的执法人员作出。"),
    "simple.invalid_signature": (200, "Invalid signature", "须有当事人和两名执法人员的有效签名，请重新签名。"),
    "simple.implausible_time": (200, "Implausible time", "决定时间不合理，请核对手机时钟。"),
    "simple.unknown_inspection": (200, "Inspection not on the server",
                                  "决定书所依据的检查记录尚未同步或您未参加该检查，记录同步后将自动重试。"),
    "simple.not_a_finding": (200, "Not a finding", "所选检查项不是该检查的“不符合”项。"),
    "simple.finding_disposed": (200, "Finding already disposed", "该问题已有处置，不能再当场处罚。"),
    # The audit log's witness (server/witness, a separate process run by another office): it
    # answers these itself with an English detail and imports neither Flask nor this module;
    # audit/witnessing.py branches on them. Listed so that one table names every code.
    "witness.bad_request": (400, "Not a checkpoint submission", "见证服务无法读取提交的检查点（格式有误或内容过大）。"),
    "witness.bad_signature": (403, "Not signed by the log's key",
                              "检查点的签名与见证服务登记的审计日志密钥不符，见证服务拒绝会签。"),
    "witness.old_size": (409, "Proof from another size",
                         "一致性证明的起点与见证服务上次会签的规模不同，服务器将按见证服务给出的规模重新提交。"),
    "witness.rollback": (409, "Log rolled back",
                         "审计日志比见证服务上次会签时更短（疑似回滚），见证服务拒绝会签。请立即联系管理员核查。"),
    "witness.fork": (409, "Log forked",
                     "审计日志与见证服务上次会签的历史不一致（疑似分叉或篡改），见证服务拒绝会签。请立即联系管理员核查。"),
    "witness.empty": (404, "Nothing co-signed yet", "见证服务尚未会签任何检查点。"),
}

# Catalog codes nothing answers with today, and why they stay in the catalog.
RESERVED: dict[str, str] = {
    "request.precondition_failed": "The answer to a 412 from flask-smorest's ETag check "
                                   "(_STATUS_CODES); no view uses `blp.etag` today.",
    "request.unsupported_media_type": "The answer to werkzeug's 415 from `request.get_json()` "
                                      "(_STATUS_CODES); JSON bodies are read by server/schemas.py, "
                                      "which answers `request.not_json`.",
}

_STATUS_CODES = {
    400: "request.invalid",
    401: "auth.required",
    403: "auth.forbidden",
    404: "request.not_found",
    405: "request.method_not_allowed",
    409: "request.conflict",
    412: "request.precondition_failed",
    413: "request.too_large",
    415: "request.unsupported_media_type",
    414: "request.uri_too_long",
    416: "request.range_not_satisfiable",
    431: "request.headers_too_large",
    422: "request.validation",
    500: "server.error",
    503: "server.unavailable",
}

# marshmallow's English field messages, as a user of the zh-CN interface reads them.
_FIELD_MESSAGES = {
    "Missing data for required field.": "此项必填。",
    "Unknown field.": "不认识的字段，请删除。",
    "Field may not be null.": "此项不能为空。",
    "Not a valid string.": "应为文本。",
    "Not a valid integer.": "应为整数。",
    "Not a valid number.": "应为数字。",
    "Not a valid boolean.": "应为是或否（true/false）。",
    "Not a valid list.": "应为列表。",
    "Not a valid mapping type.": "应为对象。",
    "Not a valid date.": "应为日期（YYYY-MM-DD）。",
    "Not a valid datetime.": "应为带时区的日期时间（ISO 8601）。",
    "Not a valid UUID.": "应为 UUID。",
    "Invalid input type.": "类型不正确。",
}


def code_for_status(status: int) -> str:
    """The catalog code for an error known only by its HTTP status (a server error for 5xx)."""
    return _STATUS_CODES.get(status) or ("server.error" if status >= 500 else "request.invalid")


def per_record(code: str, detail: str | None = None) -> dict:
    """`code` and zh-CN `detail` of one record's refusal inside a 200 answer (sync): a catalog
    code of status 200, with its catalog detail unless the caller says something more precise."""
    status, _title, catalog_detail = CATALOG[code]
    if status != 200:
        raise ValueError(f"{code} answers a whole request, not one record")
    return {"code": code, "detail": detail or catalog_detail}


class ApiError(Exception):
    """An error the API answers with as problem+json; `code` is looked up in CATALOG."""

    def __init__(self, code: str, detail: str | None = None, *, status: int | None = None,
                 errors: dict | None = None, headers: dict | None = None, **extra) -> None:
        cat_status, title, cat_detail = CATALOG[code]
        super().__init__(detail or cat_detail)
        self.code = code
        self.status = status or cat_status
        self.title = title
        self.detail = detail or cat_detail
        self.errors = errors
        self.headers = headers or {}
        self.extra = extra


def translate_field_messages(messages):
    """marshmallow error messages (nested dicts/lists of strings) in zh-CN."""
    if isinstance(messages, dict):
        return {k: translate_field_messages(v) for k, v in messages.items()}
    if isinstance(messages, list):
        return [translate_field_messages(m) for m in messages]
    if isinstance(messages, str):
        return _FIELD_MESSAGES.get(messages) or _translate_pattern(messages)
    return messages


# marshmallow's validators' messages that carry values (validate.Range, Length, OneOf, Regexp).
_FIELD_PATTERNS = [(re.compile(pattern), template) for pattern, template in (
    (r"^Must be greater than or equal to (.+) and less than or equal to (.+)\.$", "应在 {0} 到 {1} 之间。"),
    (r"^Must be greater than (.+) and less than (.+)\.$", "应大于 {0} 且小于 {1}。"),
    (r"^Must be greater than or equal to (.+)\.$", "应不小于 {0}。"),
    (r"^Must be less than or equal to (.+)\.$", "应不大于 {0}。"),
    (r"^Must be greater than (.+)\.$", "应大于 {0}。"),
    (r"^Must be less than (.+)\.$", "应小于 {0}。"),
    (r"^Shorter than minimum length (\d+)\.$", "长度至少为 {0}。"),
    (r"^Longer than maximum length (\d+)\.$", "长度最多为 {0}。"),
    (r"^Length must be between (\d+) and (\d+)\.$", "长度应在 {0} 到 {1} 之间。"),
    (r"^Length must be (\d+)\.$", "长度应为 {0}。"),
    (r"^Must be one of: (.+)\.$", "应为以下之一：{0}。"),
    (r"^String does not match expected pattern\.$", "格式不正确。"),
    (r"^Not a valid email address\.$", "应为电子邮件地址。"),
)]


def _translate_pattern(message: str) -> str:
    for pattern, template in _FIELD_PATTERNS:
        match = pattern.match(message)
        if match:
            return template.format(*match.groups())
    return message


def problem_response(code: str, status: int, title: str, detail: str, errors=None,
                     headers=None, extra=None):
    body = {
        "type": PROBLEM_TYPE_BASE + code,
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        "instance": request.path,
    }
    if errors:
        body["errors"] = errors
    if extra:
        body.update(extra)
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _from_api_error(error: ApiError):
    return problem_response(error.code, error.status, error.title, error.detail,
                            error.errors, error.headers, error.extra)


def _from_http_exception(error: HTTPException):
    original = getattr(error, "original_exception", None)  # raised by the commit after a view
    if original is not None and not isinstance(original, HTTPException):
        from .extensions import db

        db.session.rollback()  # Flask has logged it (handle_exception)
        answer = _lost_race(original)
        if answer is not None:
            return answer
    code = code_for_status(error.code or 500)
    status, title, detail = CATALOG[code]
    status = error.code or status
    errors = None
    data = getattr(error, "data", None) or {}
    messages = data.get("messages")  # webargs/flask-smorest validation errors
    if messages:
        # flattened per location: {"json": {...}} -> {...}
        merged: dict = {}
        for location_errors in messages.values():
            if isinstance(location_errors, dict):
                merged.update(location_errors)
        errors = translate_field_messages(merged or messages)
    # The exception's own headers (Allow on a 405, Content-Range on a 416), not its HTML type.
    headers = {name: value for name, value in error.get_headers() if name.lower() != "content-type"}
    return problem_response(code, status, title, detail, errors, headers)


# A write that lost a race the code did not foresee: the database refused it whole (a unique key
# taken by a concurrent request), or chose it as a deadlock's victim. Nothing of the request is
# stored; the user is told to look again or retry, not that the server failed. Still logged with
# its traceback: each is a missing check (server/database.py, "The concurrency rule").
_RETRY_DETAIL = "服务器正忙（并发写入冲突），本次提交未生效，请稍后重试。"
_UNIQUE_VIOLATION, _DEADLOCK, _SERIALIZATION_FAILURE = "23505", "40P01", "40001"  # SQLSTATE


def _lost_race(error: BaseException):
    """The answer to a database error that a concurrent write caused, or None for any other."""
    import sqlalchemy.exc

    if not isinstance(error, sqlalchemy.exc.DBAPIError):
        return None
    orig = error.orig
    state = getattr(orig, "sqlstate", None) or getattr(orig, "sqlite_errorname", None)
    if isinstance(error, sqlalchemy.exc.IntegrityError) and state in (_UNIQUE_VIOLATION, "SQLITE_CONSTRAINT_UNIQUE",
                                                                       "SQLITE_CONSTRAINT_PRIMARYKEY"):
        status, title, detail = CATALOG["request.conflict"]
        return problem_response("request.conflict", status, title, detail)
    if state in (_DEADLOCK, _SERIALIZATION_FAILURE):
        status, title, _detail = CATALOG["server.unavailable"]
        return problem_response("server.unavailable", status, title, _RETRY_DETAIL, headers={"Retry-After": "1"})
    return None


def _from_unexpected(error: Exception):
    from flask import current_app

    from .extensions import db

    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    db.session.rollback()
    answer = _lost_race(error)
    if answer is not None:
        return answer
    status, title, detail = CATALOG["server.error"]
    return problem_response("server.error", status, title, detail)


def init_app(app: Flask) -> None:
    app.register_error_handler(ApiError, _from_api_error)
    app.register_error_handler(HTTPException, _from_http_exception)
    app.register_error_handler(Exception, _from_unexpected)
