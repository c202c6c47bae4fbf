"""Plain mode over `workbook serve`: `ssh -T host` (no pty: a socket pair) and `ssh -t host plain`, with a
real asyncssh client; each with the key's own profile, and no escape sequence in what the visitor gets."""

from __future__ import annotations

import asyncio
import re
import time

import asyncssh
import pytest

from tests.test_serve import Server, connect, keys, server_root  # noqa: F401 (fixtures)

C1 = re.compile(rb"\xc2[\x80-\x9f]")  # a C1 control, UTF-8 encoded


async def read_all_until(process, pattern: bytes, timeout: float = 30) -> bytes:
    """Raw bytes until ``pattern`` shows (nothing is stripped: plain mode sends no escapes)."""
    seen = b""
    end = time.time() + timeout
    while pattern not in seen:
        remaining = end - time.time()
        assert remaining > 0, f"{pattern!r} never showed; last: {seen[-400:]!r}"
        try:
            chunk = await asyncio.wait_for(process.stdout.read(65536), remaining)
        except asyncio.TimeoutError:
            continue
        if not chunk:
            break
        seen += chunk
    assert pattern in seen, f"{pattern!r} never showed; the session ended with: {seen[-400:]!r}"
    return seen


@pytest.mark.parametrize("launch", [[], ["--no-helper"]], ids=["helper", "no-helper"])
async def test_ssh_without_a_pty_is_plain_mode_with_the_keys_own_profile(server_root, keys, launch):  # noqa: F811
    server = Server(server_root, "--open", *launch)
    try:
        alice, bob = keys[0], keys[1]
        async with await connect(server.port, alice) as conn:
            process = await conn.create_process(encoding=None)  # `ssh -T host`: no pty, no command
            seen = await read_all_until(process, b"Type a number or a letter, then Enter.\n> ")
            process.stdin.write(b"2\ns\nwords over a pipe\n\n")
            seen += await read_all_until(process, b"Saved.")
            process.stdin.write_eof()  # the end of input saves and ends the session
            seen += await process.stdout.read()
            await process.wait_closed()
        assert b"\x1b" not in seen and not C1.search(seen)
        assert b"Everything is saved" in seen
        assert server.answers(alice) == {"what-is.own-words": "words over a pipe"}
        assert server.answers(bob) == {}

        async with await connect(server.port, bob) as conn:  # bob's own, empty workbook
            process = await conn.create_process(encoding=None, command="plain")
            seen = await read_all_until(process, b"Type a number or a letter")
            assert b"(1 of 5 answered)" not in seen
            process.stdin.write(b"q\n")
            await process.stdout.read()
    finally:
        server.stop()


async def test_ssh_t_plain_is_plain_mode_on_a_pty(server_root, keys):  # noqa: F811
    server = Server(server_root, "--open")
    try:
        alice = keys[0]
        async with await connect(server.port, alice) as conn:
            process = await conn.create_process(encoding=None, command="plain", term_type="xterm-256color",
                                                term_size=(60, 24))
            seen = await read_all_until(process, b"Type a number or a letter")
            process.stdin.write(b"2\r")
            seen += await read_all_until(process, b"skip to the exercises.")
            process.stdin.write(b"s\rover a pty\r\r")
            seen += await read_all_until(process, b"Saved.")
            process.stdin.write(b"q\r")
            seen += await read_all_until(process, b"Everything is saved")
        assert b"\x1b" not in seen and not C1.search(seen)
        assert max(len(line) for line in seen.decode().replace("\r", "").split("\n")) < 60  # wrapped at its width
        assert server.answers(alice) == {"what-is.own-words": "over a pty"}
        async with await connect(server.port, alice) as conn:
            result = await conn.run("ls", encoding="utf-8")  # any other command is still refused
            assert "needs a terminal or plain mode" in result.stdout and result.exit_status == 1
    finally:
        server.stop()
