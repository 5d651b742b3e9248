"""The team service's proxy as shipped: ``deploy/nginx.conf`` run by a real nginx in front of two
real ``brandbot serve`` replicas (HTTP mode) on one PostgreSQL, against the local Slack.

Only the upstream addresses and the listen port are rewritten (compose's ``bot1:3000`` /
``bot2:3000`` become this machine's free ports). Checks: signed deliveries through the proxy are
reviewed once each; with one replica killed, the proxy sends everything to the other and nothing
is lost or doubled; a body over the proxy's 2 MB limit is refused there; an unsigned request
gets the bot's 401 through the proxy. Skips when nginx is not installed (Debian: nginx-light)."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import signal
import subprocess
from pathlib import Path
from typing import Any

import aiohttp
import bot_scenarios as sc
import pytest
from botkit import BAD, free_port, wait_until
from fakeslack import payloads
from fakeslack.fixtures import fake_slack  # noqa: F401
from test_bot_serve import ServeProcess, serve_env, wait_ready

ROOT = Path(__file__).resolve().parents[1]
NGINX = shutil.which("nginx") or next(
    (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).exists()), None
)
pytestmark = pytest.mark.skipif(
    NGINX is None, reason="nginx is not installed (apt-get install nginx-light) to run the proxy"
)


def proxy_config(tmp: Path, listen: int, upstreams: list[int]) -> Path:
    site = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    site, n = re.subn(
        r"server bot(\d):3000",
        lambda m: f"server 127.0.0.1:{upstreams[int(m.group(1)) - 1]}",
        site,
    )
    assert n == 2, "deploy/nginx.conf no longer names bot1:3000 and bot2:3000"
    site = site.replace("listen 80;", f"listen 127.0.0.1:{listen};")
    (tmp / "site.conf").write_text(site, encoding="utf-8")
    main = tmp / "nginx.conf"
    main.write_text(
        f"""
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {tmp}/site.conf;
}}
""",
        encoding="utf-8",
    )
    return main


async def test_two_replicas_behind_the_shipped_nginx_config(
    fake_slack: Any,  # noqa: F811
    tmp_path: Path,
    postgres_url: str,
) -> None:
    fake = fake_slack
    fake.add_channel(sc.DRAFTS, "drafts")
    procs: list[ServeProcess] = []
    ports: list[int] = []
    for i in (1, 2):
        env = serve_env(
            fake,
            tmp_path,
            "http",
            BRANDBOT_DATABASE_URL=postgres_url,
            BRANDBOT_REPLICA_ID=f"bot{i}",
            BRANDBOT_JOB_LEASE="2",
            BRANDBOT_LOCAL_SOCKET="off",
        )
        ports.append(int(env["PORT"]))
        procs.append(ServeProcess(tmp_path, env, "serve"))
    listen = free_port()
    conf = proxy_config(tmp_path, listen, ports)
    assert NGINX is not None
    check = subprocess.run(
        [NGINX, "-t", "-p", str(tmp_path), "-c", str(conf)], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stderr
    nginx = subprocess.Popen(
        [NGINX, "-p", str(tmp_path), "-c", str(conf), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{listen}/slack/events"
    try:
        await asyncio.gather(*(p.start() for p in procs))
        await asyncio.gather(
            *(wait_ready(port, p, timeout=90) for port, p in zip(ports, procs, strict=True))
        )

        async def post(body: bytes, *, signed: bool = True) -> int:
            if signed:
                r = await fake.http_post(
                    url, body, "application/json", signing_secret=fake.signing_secret
                )
                return int(r.status)
            async with (
                aiohttp.ClientSession() as s,
                s.post(url, data=body, headers={"Content-Type": "application/json"}) as r,
            ):
                return r.status

        def delivery(i: int) -> tuple[dict[str, Any], bytes]:
            ev = fake.post_as_user(sc.DRAFTS, f"{BAD} Draft {i} through the proxy.")
            body = payloads.event_callback(ev, team_id=fake.team_id, api_app_id=fake.api_app_id)
            return ev, json.dumps(body).encode()

        async with (
            aiohttp.ClientSession() as s,
            s.get(f"http://127.0.0.1:{listen}/proxy-health") as r,
        ):
            assert r.status == 200

        first = [delivery(i) for i in range(10)]
        assert set(await asyncio.gather(*(post(b) for _, b in first))) == {200}
        # every delivery twice more (Slack's retries), spread by the proxy over both replicas
        assert set(await asyncio.gather(*(post(b) for _, b in first for _ in (1, 2)))) == {200}

        procs[0].proc.send_signal(signal.SIGKILL)  # type: ignore[union-attr]
        await procs[0].wait()
        second = [delivery(i) for i in range(10, 20)]
        assert set(await asyncio.gather(*(post(b) for _, b in second))) == {200}

        drafts = [ev for ev, _ in first + second]
        await wait_until(
            lambda: all(fake.thread_replies(sc.DRAFTS, ev["ts"]) for ev in drafts), timeout=90
        )
        await asyncio.sleep(1.0)
        assert [len(fake.thread_replies(sc.DRAFTS, ev["ts"])) for ev in drafts] == [1] * 20

        assert await post(b'{"type": "event_callback"}', signed=False) == 401
        assert await post(b"x" * (3 * 1024 * 1024)) == 413  # the proxy's client_max_body_size
        assert await procs[1].stop() == 0, procs[1].stderr
        assert "Traceback" not in procs[1].stderr, procs[1].stderr
    finally:
        for p in procs:
            p.kill()
        nginx.terminate()
        try:
            nginx.wait(timeout=10)
        except subprocess.TimeoutExpired:
            nginx.kill()
