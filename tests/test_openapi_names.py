"""Building the OpenAPI document warns of nothing: two schemas resolving to one name (apispec then
renames one of them, `Warning1`, and a client generator sees a name that moves with the order of
the blueprints)."""
from __future__ import annotations

import warnings

from server import create_app
from server.extensions import api


def test_building_the_openapi_document_emits_no_apispec_warning(app_config):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        app = create_app(app_config)
        with app.app_context():
            schemas = api.spec.to_dict()["components"]["schemas"]
    from_apispec = [str(w.message) for w in caught if "apispec" in w.filename]
    assert from_apispec == []
    # Both warnings are documented, each under its own name.
    assert {"CaseWarning", "OversightWarning"} <= set(schemas)
    assert "kind_label" in schemas["OversightWarning"]["properties"]
    assert "case_id" in schemas["CaseWarning"]["properties"]
    assert not [name for name in schemas if name[-1].isdigit()]
