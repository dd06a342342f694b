"""The file storage contract, run against both backends: the directory under instance/ and S3 on a
real SeaweedFS (tests/s3_server.py, marked slow: it takes ~3 s to start). Then what is particular to
each: the fan-out and atomic writes on disk, prefix isolation and content types in the bucket, a dead
S3 server, and how STORAGE_URL picks the backend."""
from __future__ import annotations

import os

import pytest

from forum.storage import (
    KEY_LENGTH,
    InvalidKey,
    ObjectNotFound,
    Storage,
    StorageError,
    check_key,
    new_key,
    storage_for,
)
from forum.storage.local import LocalStorage
from forum.storage.s3 import S3Storage
from tests.live_server import free_port
from tests.s3_server import s3_server  # noqa: F401  (the session fixture)

FIVE_MB = 5 * 1024 * 1024
BAD_KEYS = ["../x", "a/b", "", "x" * 65, "..", "../../etc/passwd", ".hidden", "abc.def", "ab\x00cdef",
            "ab cdef", "abcd/", "/abcdef", "ab\\cdef", "clé-accentuée", None, 12345678]


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.slow)])
def storage(request, tmp_path) -> Storage:
    """A fresh, empty store: a new directory, or a new prefix of the shared test bucket."""
    if request.param == "local":
        return storage_for(f"file://{tmp_path / 'files'}")
    endpoint = request.getfixturevalue("s3_server")
    return storage_for(f"s3://{endpoint.bucket}/test-{new_key()}", environ=endpoint.environ())


def test_round_trip_keeps_every_byte_of_a_5_mb_file(storage):
    data = os.urandom(FIVE_MB - 256) + bytes(range(256))
    key = new_key()
    storage.put(key, data, "application/octet-stream")
    assert storage.get(key) == data


def test_exists_and_size_describe_what_was_stored(storage):
    key, other = new_key(), new_key()
    storage.put(key, b"%PDF-1.7\n" + b"\x00" * 991, "application/pdf")
    assert storage.exists(key) is True
    assert storage.size(key) == 1000
    assert storage.exists(other) is False
    with pytest.raises(ObjectNotFound):
        storage.size(other)


def test_empty_object_is_stored(storage):
    key = new_key()
    storage.put(key, b"", "text/plain")
    assert storage.exists(key) is True
    assert storage.size(key) == 0
    assert storage.get(key) == b""


def test_deleted_object_is_gone_and_deleting_again_is_harmless(storage):
    key = new_key()
    storage.put(key, b"capture", "image/png")
    storage.delete(key)
    assert storage.exists(key) is False
    with pytest.raises(ObjectNotFound) as raised:
        storage.get(key)
    assert isinstance(raised.value, StorageError)
    assert raised.value.message == "Ce fichier n'existe pas."
    storage.delete(key)


def test_get_of_a_key_never_stored_is_not_found(storage):
    with pytest.raises(ObjectNotFound):
        storage.get(new_key())


def test_keys_lists_exactly_what_was_put_and_not_deleted(storage):
    assert list(storage.keys()) == []
    kept = {new_key() for _ in range(5)}
    dropped = new_key()
    for key in [*kept, dropped]:
        storage.put(key, key.encode(), "text/plain")
    storage.delete(dropped)
    listed = list(storage.keys())
    assert sorted(listed) == sorted(kept)


def test_overwrite_replaces_content_and_size(storage):
    key = new_key()
    storage.put(key, b"first version, longer", "text/plain")
    storage.put(key, b"second", "text/plain")
    assert storage.get(key) == b"second"
    assert storage.size(key) == 6
    assert list(storage.keys()) == [key]


@pytest.mark.parametrize("bad", BAD_KEYS, ids=repr)
def test_invalid_keys_are_refused_by_every_operation(storage, bad):
    with pytest.raises(InvalidKey):
        storage.put(bad, b"x", "text/plain")
    for operation in (storage.get, storage.exists, storage.size, storage.delete):
        with pytest.raises(InvalidKey):
            operation(bad)
    assert list(storage.keys()) == []


def test_new_keys_are_32_url_safe_random_characters():
    keys = {new_key() for _ in range(1000)}
    assert len(keys) == 1000
    assert all(len(key) == KEY_LENGTH == 32 and check_key(key) == key for key in keys)


def test_invalid_key_answers_like_a_missing_file():
    with pytest.raises(InvalidKey) as raised:
        check_key("../secret_key")
    assert raised.value.status_code == 404
    assert "secret" not in raised.value.message


# The directory backend

def test_local_files_fan_out_by_key_prefix_with_no_temporary_left(tmp_path):
    storage = LocalStorage(tmp_path / "files")
    key = "AbCdefghijklmnopqrstuvwxyz012345"
    storage.put(key, b"data", "text/plain")
    assert (tmp_path / "files" / "Ab" / "Cd" / key).read_bytes() == b"data"
    assert sorted(p.name for p in (tmp_path / "files").rglob("*") if p.is_file()) == [key]
    assert oct((tmp_path / "files" / "Ab" / "Cd" / key).stat().st_mode & 0o777) == "0o640"


def test_local_keys_ignore_interrupted_writes_and_stray_files(tmp_path):
    storage = LocalStorage(tmp_path)
    key = new_key()
    storage.put(key, b"data", "text/plain")
    leaf = storage.path(key).parent
    (leaf / ".tmp-abc123").write_bytes(b"half")  # a crash between write and rename
    (leaf / "zzzzzzzzzzzzzzzz").write_bytes(b"not at its fan-out place")
    (tmp_path / "README").write_text("stray")
    assert list(storage.keys()) == [key]


def test_local_write_failure_is_a_storage_error_in_french(tmp_path):
    (tmp_path / "files").write_text("a file where the directory should be")
    storage = LocalStorage(tmp_path / "files")
    with pytest.raises(StorageError) as raised:
        storage.put(new_key(), b"data", "text/plain")
    assert raised.value.message.startswith("Le stockage des fichiers est indisponible")


def test_local_missing_directory_lists_nothing(tmp_path):
    assert list(LocalStorage(tmp_path / "not-yet").keys()) == []


# The S3 backend

@pytest.mark.slow
def test_s3_prefixes_isolate_stores_sharing_a_bucket(s3_server):  # noqa: F811
    environ = s3_server.environ()
    first = storage_for(f"s3://{s3_server.bucket}/forum-a-{new_key()}", environ=environ)
    second = storage_for(f"s3://{s3_server.bucket}/forum-b-{new_key()}", environ=environ)
    key = new_key()
    first.put(key, b"from first", "text/plain")
    second.put(key, b"from second", "text/plain")
    only_second = new_key()
    second.put(only_second, b"x", "text/plain")
    assert first.get(key) == b"from first"
    assert second.get(key) == b"from second"
    assert list(first.keys()) == [key]
    assert sorted(second.keys()) == sorted([key, only_second])
    assert first.exists(only_second) is False
    first.delete(key)
    assert second.get(key) == b"from second"


@pytest.mark.slow
def test_s3_objects_keep_their_content_type_under_the_prefix(s3_server):  # noqa: F811
    prefix = f"typed-{new_key()}"
    storage = storage_for(f"s3://{s3_server.bucket}/{prefix}", environ=s3_server.environ())
    key = new_key()
    storage.put(key, b"\x89PNG\r\n\x1a\n", "image/png")
    head = s3_server.client().head_object(Bucket=s3_server.bucket, Key=f"{prefix}/{key}")
    assert head["ContentType"] == "image/png"


@pytest.mark.slow
def test_s3_unknown_bucket_is_a_storage_error(s3_server):  # noqa: F811
    storage = storage_for("s3://no-such-bucket-here", environ=s3_server.environ())
    with pytest.raises(StorageError) as raised:
        storage.put(new_key(), b"x", "text/plain")
    assert not isinstance(raised.value, ObjectNotFound)


def test_s3_server_down_fails_with_a_clear_storage_error():
    port = free_port(range(5400, 5450))  # nothing listens there
    environ = {"S3_ENDPOINT_URL": f"http://127.0.0.1:{port}", "AWS_ACCESS_KEY_ID": "k",
               "AWS_SECRET_ACCESS_KEY": "s"}
    storage = storage_for("s3://forum", environ=environ)
    for operation in (lambda: storage.put(new_key(), b"x", "text/plain"), lambda: storage.get(new_key()),
                      lambda: storage.exists(new_key()), lambda: list(storage.keys())):
        with pytest.raises(StorageError) as raised:
            operation()
        assert type(raised.value) is StorageError
        assert raised.value.status_code == 503
        assert "indisponible" in raised.value.message


# Choosing the backend

def test_storage_url_unset_means_the_instance_files_directory(tmp_path):
    storage = storage_for(None, tmp_path)
    assert isinstance(storage, LocalStorage)
    assert storage.root == tmp_path / "files"
    assert isinstance(storage_for("", tmp_path), LocalStorage)


def test_file_url_names_a_directory_absolute_or_relative_to_the_instance(tmp_path):
    assert storage_for(f"file://{tmp_path}/elsewhere", "/unused").root == tmp_path / "elsewhere"
    assert storage_for("file://uploads", tmp_path).root == tmp_path / "uploads"


def test_s3_url_takes_bucket_prefix_and_connection_from_the_environment():
    environ = {"S3_ENDPOINT_URL": "http://127.0.0.1:8333", "AWS_ACCESS_KEY_ID": "id",
               "AWS_SECRET_ACCESS_KEY": "secret", "AWS_DEFAULT_REGION": "eu-west-3"}
    storage = storage_for("s3://club-files/forum/prod/", environ=environ)
    assert isinstance(storage, S3Storage)
    assert (storage.bucket, storage.prefix) == ("club-files", "forum/prod")
    assert storage.client.meta.endpoint_url == "http://127.0.0.1:8333"
    assert storage.client.meta.region_name == "eu-west-3"
    assert storage.object_name("abcdefgh") == "forum/prod/abcdefgh"
    assert storage_for("s3://club-files", environ=environ).object_name("abcdefgh") == "abcdefgh"


@pytest.mark.parametrize("url", ["s3://", "s3:///prefix", "ftp://host/files", "/var/files", "redis://x"])
def test_unknown_storage_url_is_a_configuration_error(url, tmp_path):
    with pytest.raises(ValueError, match="STORAGE_URL"):
        storage_for(url, tmp_path)
