"""Error codes of the forms feature (see server/errors.py for the catalog)."""
from ..errors import register_codes

register_codes({
    "form.not_found": (404, "Unknown form or version", "没有该检查表单或该版本，请更新表单列表后重试。"),
    "form.answers_invalid": (422, "Answers do not fit the form", "检查表单填写有误，请按提示逐项修改。"),
})
