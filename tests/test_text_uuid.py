"""A record's UUIDs read by the sync's loader keep their text (server/text_uuid.py) and are in
every way the uuid.UUID that uuid.UUID(text) reads: text, hex, equality, hash, order, copies."""
from __future__ import annotations

import copy
import pickle
import random
import uuid

import pytest

from server.text_uuid import TextUUID, read_uuid


def _spellings(value: uuid.UUID) -> list[str]:
    text = str(value)
    return [text, text.upper(), "{" + text + "}", "urn:uuid:" + text, value.hex, text[:10].upper() + text[10:],
            text.replace("-", "", 1) + "-", "+" + text[1:], text[:5] + "_" + text[6:], " " + text[1:]]


@pytest.mark.parametrize("seed", range(4))
def test_a_uuid_read_is_the_one_uuid_uuid_reads(seed):
    rng = random.Random(seed)
    values = [uuid.UUID(int=rng.getrandbits(128)) for _ in range(500)] + [uuid.UUID(int=0), uuid.UUID(int=2 ** 128 - 1)]
    for value in values:
        for text in _spellings(value):
            try:
                expected = uuid.UUID(text)
            except ValueError:
                with pytest.raises(ValueError):
                    read_uuid(text)
                continue
            read = read_uuid(text)
            assert (str(read), read.hex, read.int, read.version, read.bytes) == \
                (str(expected), expected.hex, expected.int, expected.version, expected.bytes)
            assert read == expected and hash(read) == hash(expected) and not read < expected
            assert type(read) is (TextUUID if text == str(expected) else uuid.UUID)


def test_a_copy_or_pickle_is_a_plain_uuid():
    read = read_uuid("01a239bb-a9a9-7661-91e3-c7f038ed3f1c")
    assert isinstance(read, TextUUID)
    for again in (copy.copy(read), copy.deepcopy(read), pickle.loads(pickle.dumps(read))):
        assert type(again) is uuid.UUID and again == read and str(again) == str(read)


def test_it_cannot_be_changed():
    read = read_uuid("01a239bb-a9a9-7661-91e3-c7f038ed3f1c")
    with pytest.raises(TypeError):
        read.int = 5
    with pytest.raises(TypeError):
        read._text = "x"


def test_the_sync_loader_reads_a_phones_uuids_with_their_text():
    from server.inspections.record_loader import compile_loader
    from server.inspections.schemas import RecordSchema
    from testing.records import overload_record

    record = overload_record()
    loaded = compile_loader(RecordSchema())(record)
    assert type(loaded["uuid"]) is TextUUID and str(loaded["uuid"]) == record["uuid"]
    assert [str(e["uuid"]) for e in loaded["evidence"]] == [e["uuid"] for e in record["evidence"]]
    assert all(type(e["uuid"]) is TextUUID for e in loaded["evidence"])
