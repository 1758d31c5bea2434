"""Every word the approving official reads, in one place: the subject and body of the approval
(plain Chinese, as a county official reads it) and the refusals."""

from __future__ import annotations

CITYWIDE = "全市"
DATE = "{year}年{month}月{day}日"

SUBJECT = "请审签：{title}（{document_number}）"
HEADING_REPLY = "### 答复件"
REPLY_LINES = (
    "- 答复编号：{code}",
    "- 文号：{document_number}",
    "- 标题：{title}",
    "- 成文日期：{date}",
    "- 起草运行：{draft_run_id}",
    "- 文件指纹（SHA-256）：`{sha256}`",
)
HEADING_CHANGES_FIRST = "### 拟发数据（本答复尚未签发过，共 {count} 项）"
HEADING_CHANGES = "### 与上次签发的第 {sequence} 号文相比，变化的数据（共 {count} 项）"
CHANGE_LINE = "- {name}（{period}，{area}）：{old} → {new}；数据来源：{delivery}"
NOT_QUOTED = "（上次未引用）"
NO_LONGER_QUOTED = "（本次不再引用）"
NO_DELIVERY = "无"
HEADING_REVIEW = "### 审核提示"
NO_REVIEW_NOTES = "- 无：所有数据均已通过校验，无警告。"
NOTE_FLAGGED = "- {name}（{period}，{area}）{shown}：{reasons}，请核实。"
NOTE_MOVED = "较 {period}（{earlier}）变动 {change}%"
NOTE_SOURCE_WARNINGS = "来源数据有 {count} 条警告"
NOTE_GB2312 = (
    "- {role}「{name}」中的「{char}」（U+{code}）不在 GB2312 字符集内，"
    "仿宋_GB2312 等字体无法显示，请核对打印件。"
)
NOTE_OTHER = "- {note}"
ROLES = {
    "office": "发文机关",
    "signer": "签发人",
    "deputy": "代表",
    "contact": "联系人",
    "copy_to": "抄送单位",
    "printed_by": "印发机关",
}
REASON_SEPARATOR = "；"
HEADING_VERIFY = "### 核对结果"
VERIFY_OK = "- 通过：文中 {checked} 项数据与数据仓库一致。"
VERIFY_FAILED = "- 未通过：文中 {checked} 项数据中有 {count} 项与数据仓库不一致："
VERIFY_LINE = "  - {name}（{period}，{area}）：文中为 {document}，数据仓库为 {warehouse}"
HEADING_LINK = "### 文件"
LINK_LINE = "- [下载本答复件（DOCX）]({link})"
CLOSING = "请选择「签发」或「退回」，并在「意见」栏填写意见（退回时必须说明理由）。"

# the delivered file behind a figure, as the approval names it
DELIVERY = "{file}（第 {batch_id} 批，SHA-256 {sha256}…）"

# the refusals: the task log and the command line print them
REFUSED_NO_DRAFT = "there is no draft {path} to put up for approval: run the draft first"
REFUSED_REPLACED = (
    "the draft was replaced since run {draft_run_id} drafted it: {path} has sha256 {found}, the "
    "drafted one had {expected}; the newer draft asks for its own approval"
)
REFUSED_INCOMPLETE = (
    "the draft {path} is incomplete ({missing}): an incomplete draft is never put up for approval"
)
REFUSED_OTHER_SHA = (
    "sign-off run {run_id} already took a snapshot of a draft with sha256 {taken}, not {given}"
)
REFUSED_NO_SNAPSHOT = "there is no snapshot {snapshot_id}"
REFUSED_SUPERSEDED = "superseded, approve run {run_id}"
REFUSED_PUBLISHED = (
    "superseded: figures were published after the snapshot of run {run_id} (load batch "
    "{batch_id}: {file}); approve the sign-off run of the newer draft"
)
REFUSED_VALUE_MOVED = (
    "superseded: since the snapshot of run {run_id} the warehouse gives {figure} as {now}, not "
    "{shown}; approve the sign-off run of the newer draft"
)
REFUSED_UNCHANGED = (
    "run {run_id} changes no figure of the last issued letter of {reply}: there is nothing to issue"
)
REFUSED_RETURNED = "run {run_id} was sent back (退回) by {official}: it cannot be issued"
REFUSED_ISSUED = "run {run_id} was issued as {name}: it cannot be sent back"
REFUSED_OPTION = "the answer {option!r} is neither {issue} nor {ret}"
REFUSED_NO_REASON = "a 退回 needs a reason (意见)"
REFUSED_NOBODY = "an answer needs the official's name and login: {what} is empty"
REFUSED_DOCX_CHANGED = (
    "the snapshot's copy {path} no longer has sha256 {sha256}: it was changed after the snapshot; "
    "nothing was issued"
)
REFUSED_TAKEN_NAME = (
    "{path} exists and is not the snapshot's copy: an issued letter is never overwritten; nothing was issued"
)
REFUSED_NO_LETTER = "there is no issued letter {number} (deptstats issued lists them)"

# the nightly's log and the stewards' pages: a later publication changed a figure of an issued
# letter
NOTICE = (
    "ISSUED LETTER {letter} (number {number}, 签发 by {official} on {day}) quotes {name} "
    "({indicator}) {period} {area} as {issued}; the warehouse now gives {now}, from {delivery}: "
    "the letter stands as issued, a correction is a new letter"
)
NOTICE_DELIVERY = "{file} (sha256 {sha256}…, batch {batch_id})"
NOTICE_NO_DELIVERY = "no standing publication"
NOTICE_NO_VALUE = "no value"
