"""SourcePolicy against the real file system and the real resolver."""

from __future__ import annotations

from pathlib import Path

import pytest

from stream.errors import SourceNotAllowedError, SourceOpenError, UnsupportedSourceError
from stream.policy import SourcePolicy


@pytest.fixture
def media(tmp_path: Path) -> Path:
    root = tmp_path / "media"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "clip.mp4").write_bytes(b"")
    (tmp_path / "outside.mp4").write_bytes(b"")
    return root


def test_files_under_a_media_root_are_allowed(media: Path) -> None:
    policy = SourcePolicy(media_roots=(str(media),))
    policy.check(str(media / "sub" / "clip.mp4"))
    policy.check(f"file:{media / 'sub' / 'clip.mp4'}")
    policy.check(str(media / "sub" / "not-yet-recorded.mp4"))


def test_relative_roots_and_paths_count_from_the_working_directory(
    media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(media.parent)
    policy = SourcePolicy(media_roots=("media",))
    policy.check("media/sub/clip.mp4")
    with pytest.raises(SourceNotAllowedError):
        policy.check("media/../outside.mp4")


@pytest.mark.parametrize(
    "url",
    [
        "/etc/passwd",
        "{tmp}/outside.mp4",
        "{tmp}/missing.mp4",
        "{tmp}/media/../outside.mp4",
        "file:{tmp}/outside.mp4",
        "file://{tmp}/outside.mp4",
        "{tmp}/media-sibling/clip.mp4",  # a name that merely starts like the root
    ],
)
def test_files_outside_every_media_root_are_refused_alike(media: Path, url: str) -> None:
    policy = SourcePolicy(media_roots=(str(media),))
    with pytest.raises(SourceNotAllowedError) as caught:
        policy.check(url.format(tmp=media.parent))
    assert "sources.media_roots" in str(caught.value)


def test_a_symlink_out_of_a_root_is_refused(media: Path) -> None:
    link = media / "sub" / "escape.mp4"
    link.symlink_to(media.parent / "outside.mp4")
    (media / "dir-link").symlink_to("/etc")
    policy = SourcePolicy(media_roots=(str(media),))
    for url in (str(link), str(media / "dir-link" / "passwd")):
        with pytest.raises(SourceNotAllowedError):
            policy.check(url)


def test_a_root_reached_through_a_symlink_still_holds_its_files(media: Path) -> None:
    alias = media.parent / "alias"
    alias.symlink_to(media)
    SourcePolicy(media_roots=(str(alias),)).check(str(media / "sub" / "clip.mp4"))
    SourcePolicy(media_roots=(str(media),)).check(str(alias / "sub" / "clip.mp4"))


def test_no_media_roots_means_no_file_cameras(media: Path) -> None:
    with pytest.raises(SourceNotAllowedError, match="none are set"):
        SourcePolicy().check(str(media / "sub" / "clip.mp4"))


@pytest.mark.parametrize(
    "url",
    [
        "rtsp://127.0.0.1/x",
        "rtsp://admin:pw@127.0.0.1:554/x",
        "http://[::1]:8080/",
        "http://10.1.2.3/video.mjpg",
        "http://172.16.0.1/",
        "rtsp://192.168.1.10/stream1",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/",
        "http://0.0.0.0:8080/",
        "http://[::ffff:127.0.0.1]/",
        "http://[fd00::1]/",
        "http://[fe80::1]/",
        "rtsp://224.1.1.1/x",
        "http://localhost:8080/",
        "http://127.1/",
        "http://2130706433/",
    ],
)
def test_local_and_private_addresses_need_private_networks(url: str) -> None:
    with pytest.raises(SourceNotAllowedError) as caught:
        SourcePolicy().check(url)
    assert "sources.private_networks" in str(caught.value) and "pw" not in str(caught.value)
    SourcePolicy(private_networks=True).check(url)


def test_public_addresses_are_allowed() -> None:
    for url in ("rtsp://8.8.8.8/x", "https://[2001:4860:4860::8888]/live.m3u8"):
        SourcePolicy().check(url)


def test_a_name_that_does_not_resolve_cannot_connect_for_now() -> None:
    with pytest.raises(SourceOpenError) as caught:
        SourcePolicy().check("rtsp://u:pw@no-such-host.invalid/x")
    assert str(caught.value) == (
        "cannot connect to rtsp://u:***@no-such-host.invalid/x: "
        "cannot resolve host no-such-host.invalid"
    )


def test_webcams_are_allowed_and_impossible_urls_still_refused() -> None:
    SourcePolicy().check("/dev/video0")
    with pytest.raises(UnsupportedSourceError, match="'tcp'"):
        SourcePolicy(private_networks=True).check("tcp://127.0.0.1:18151?listen=1")


def test_the_real_path_of_a_root_is_taken_at_each_check(media: Path) -> None:
    """A root that is a symlink can be repointed; the check follows it, like FFmpeg will."""
    alias = media.parent / "current"
    alias.symlink_to(media)
    policy = SourcePolicy(media_roots=(str(alias),))
    policy.check(str(media / "sub" / "clip.mp4"))
    alias.unlink()
    alias.symlink_to(media.parent / "sub-other", target_is_directory=True)
    with pytest.raises(SourceNotAllowedError):
        policy.check(str(media / "sub" / "clip.mp4"))
