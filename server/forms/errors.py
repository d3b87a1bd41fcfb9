"""Error codes of the forms feature (see server/errors.py for the catalog)."""
from ..errors import register_codes

register_codes({
    "form.not_found": (404, "Unknown form or version", "没有该检查表单或该版本，请更新表单列表后重试。"),
})
