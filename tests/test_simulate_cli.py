"""`hotline simulate` against the real app served over HTTP, and TWILIO_API_URL at work."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from hotline.cli.simulate import simulate
from hotline.extensions import get_twilio
from hotline.ivr.prompts import PromptCatalog
from hotline.models import Conversation
from hotline.simulator import Behaviour, EmulatorServer, HttpTransport, TwilioEmulator
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, LINE, AppMaker, Hotline

AIGUL = "+996555000101"
CONFIG = Path(__file__).resolve().parent.parent / "config"


@pytest.fixture
def served(make_app: AppMaker, tmp_path: Path) -> Iterator[tuple[Flask, str]]:
    """The app on a free local port, sharing its development secrets through instance/."""
    app, _ = make_app(HOTLINE_PUBLIC_URL="http://127.0.0.1:5000")
    secrets = {
        name: app.config[name]
        for name in (
            "HOTLINE_SECRET_KEY",
            "HOTLINE_PSEUDONYM_KEY",
            "HOTLINE_ENCRYPTION_KEY",
            "TWILIO_AUTH_TOKEN",
            "TWILIO_ACCOUNT_SID",
        )
    }
    (tmp_path / "secrets.json").write_text(json.dumps(secrets))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def test_simulate_call_walks_the_ivr_of_a_running_app(
    served: tuple[Flask, str], tmp_path: Path, app: Flask
) -> None:
    served_app, url = served
    emulator = TwilioEmulator(HttpTransport(url), ACCOUNT_SID, AUTH_TOKEN, url)
    hotline = Hotline(served_app, emulator)
    hotline.line(language="ru")
    hotline.counsellor("Aigul", "+996555000101")
    result = CliRunner().invoke(
        simulate,
        [
            "call",
            "--from",
            "+996700123456",
            "--to",
            LINE,
            "--keys",
            "2,1",
            "--app-url",
            url,
            "--instance",
            str(tmp_path),
            "--phone",
            "+996555000101=accept",
        ],
        env={"HOTLINE_PUBLIC_URL": "http://127.0.0.1:5000"},
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    # Audio prompts show their text and file, every prompt its language.
    catalog = PromptCatalog.load(CONFIG)
    ky_option = catalog.language("ky").prompts["language_option"]
    uz_option = catalog.language("uz").prompts["language_option"]
    ru_option = catalog.language("ru").prompts["language_option"]
    assert f'  [Kyrgyz] "{ky_option}" (plays ky/language_option.wav)' in lines
    assert f'  [Uzbek] "{uz_option}" (plays uz/language_option.wav)' in lines
    assert f'  [Russian] "{ru_option}"' in lines
    ru_menu = catalog.language("ru").prompts["main_menu"]
    assert f'  [Russian] "{ru_menu}"' in lines  # the menu after choosing Russian
    assert "pressed 2" in result.output and "pressed 1" in result.output
    assert "+996 *** *** *01 accepted" in result.output  # a counsellor, masked
    assert "+996555000101" not in result.output


def test_twilio_api_url_points_the_app_at_the_emulator_server(
    make_app: AppMaker, app: Flask
) -> None:
    emulator = TwilioEmulator(
        HttpTransport("http://127.0.0.1:9"), ACCOUNT_SID, AUTH_TOKEN, "https://hotline.example.org"
    )
    with EmulatorServer(emulator, port=0) as server:
        pointed, _ = make_app(
            TWILIO_HTTP_CLIENT=None, TWILIO_API_URL=f"http://127.0.0.1:{server.port}"
        )
        sent = get_twilio(pointed).messages.create(to="+996700123456", from_=LINE, body="test")
        assert [m.message_sid for m in emulator.outbox] == [sent.sid]


def test_simulate_sms_as_a_texter_and_as_a_counsellor_relays_both_ways(
    served: tuple[Flask, str], tmp_path: Path, app: Flask, session: Session
) -> None:
    served_app, url = served
    emulator = TwilioEmulator(HttpTransport(url), ACCOUNT_SID, AUTH_TOKEN, "http://127.0.0.1:5000")
    emulator.unknown_phone_behaviour = Behaviour.ANSWER_ACCEPT
    hotline = Hotline(served_app, emulator)
    hotline.line(language="ru")
    hotline.counsellor("Aigul", AIGUL, languages="ru")
    texter = "+996700123456"
    with EmulatorServer(emulator, port=0) as server:

        def play(number: str, typed: str) -> str:
            result = CliRunner().invoke(
                simulate,
                ["sms", "--as", number, "--to", LINE, "--instance", str(tmp_path)],
                input=typed,
                env={"EMULATOR_PORT": str(server.port)},
            )
            assert result.exit_code == 0, result.output
            return result.output

        heard = play(texter, "Здравствуйте, мне нужна помощь\nq\n")
        assert f"<< from {LINE}: Передали консультанту." in heard
        tag = session.scalars(select(Conversation)).one().tag
        answered = play(AIGUL, f"#{tag} Я вас слушаю\nСПИСОК\n")
        assert f"<< from {LINE}: Открыты: #{tag} ru 0m" in answered
        messages, _ = server.handsets.inbox(texter, 0)
    assert [m["body"] for m in messages][-1] == "Я вас слушаю"
    assert {m["from"] for m in messages} == {LINE}
    assert texter not in answered and AIGUL not in heard
