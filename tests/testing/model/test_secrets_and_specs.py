"""Secrets (type rules, what a container sees, nothing in repr), spec parsing and templates,
and how services mount secrets (env fixed per revision, files live)."""

from __future__ import annotations

import hashlib

import pytest

from airflow_provider_spcs.testing.model import Secret, Service, ServiceSettings, World
from airflow_provider_spcs.testing.model.refusals import InvalidSetting, ObjectMissing
from airflow_provider_spcs.testing.model.spec_templates import render_template
from airflow_provider_spcs.testing.model.spec_yaml import SpecError, parse_service_spec

VALUE = "p@ss'w\\rd $$ ünï\n"


def short(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:12]


class TestSecretObjects:
    def test_password_secret_keeps_its_value_out_of_repr(self, world: World) -> None:
        secret = world.add_secret("api", "password", username="bob", password=VALUE, comment="c")
        assert VALUE not in repr(secret)
        assert VALUE not in str(secret)
        assert (secret.name, secret.secret_type, secret.username, secret.comment) == ("API", "PASSWORD", "bob", "c")
        assert secret.mounted_keys() == ("username", "password")
        assert secret.mounted_value("password") == VALUE
        assert secret.mounted_value("secret_string") is None

    @pytest.mark.parametrize(
        ("secret_type", "fields", "message"),
        [
            ("PASSWORD", {"USERNAME": "u"}, "Missing required property PASSWORD"),
            ("GENERIC_STRING", {"SECRET_STRING": "x", "USERNAME": "u"}, "Invalid property USERNAME"),
            ("OAUTH2", {"OAUTH_SCOPES": ["a"]}, "Missing required property API_AUTHENTICATION"),
            (
                "OAUTH2",
                {"API_AUTHENTICATION": "I", "OAUTH_SCOPES": ["a"], "OAUTH_REFRESH_TOKEN": "t"},
                "cannot be combined",
            ),
            (
                "OAUTH2",
                {"API_AUTHENTICATION": "I", "OAUTH_REFRESH_TOKEN": "t"},
                "OAUTH_REFRESH_TOKEN_EXPIRY_TIME",
            ),
            ("SYMMETRIC_KEY", {}, "Invalid secret type"),
        ],
    )
    def test_clauses_per_type(self, secret_type: str, fields: dict[str, object], message: str) -> None:
        with pytest.raises(InvalidSetting, match=message) as info:
            Secret("S", database="D", schema="S", secret_type=secret_type, owner_role="R", created_on=0, fields=fields)
        assert "'t'" not in info.value.message

    def test_alter_takes_the_clauses_of_the_type_and_flow(self, world: World) -> None:
        code = world.add_secret(
            "code",
            "OAUTH2",
            api_authentication="INT",
            oauth_refresh_token="r1",
            oauth_refresh_token_expiry_time="2030-01-01 00:00:00",
        )
        before = code.mounted_value("access_token")
        code.alter({"OAUTH_REFRESH_TOKEN": "r2"})
        assert code.mounted_value("access_token") != before
        assert code.refresh_token_expiry is not None
        with pytest.raises(InvalidSetting, match=r"OAUTH_SCOPES for a secret of type OAUTH2 \(authorization code\)"):
            code.alter({"OAUTH_SCOPES": ["x"]})
        client = world.add_secret("client", "OAUTH2", api_authentication="INT", oauth_scopes=["a", "b"])
        client.alter({"OAUTH_SCOPES": ["c"]})
        assert client.oauth_scopes == ["c"]
        with pytest.raises(InvalidSetting, match="Invalid value for OAUTH_REFRESH_TOKEN_EXPIRY_TIME"):
            world.add_secret(
                "bad", "OAUTH2", api_authentication="I", oauth_refresh_token="t", oauth_refresh_token_expiry_time="soon"
            )


class TestSpecs:
    def test_json_spec_with_endpoints_and_secrets(self) -> None:
        spec = parse_service_spec(
            '{"spec": {"containers": [{"name": "a", "image": "/x/y:1", "secrets": ['
            '{"snowflakeSecret": "db.s.pw", "envVarName": "PW", "secretKeyRef": "password"},'
            '{"snowflakeSecret": {"objectName": "tok"}, "directoryPath": "/run/tok/"}]}],'
            ' "endpoints": [{"name": "ui", "port": 80, "public": true, "protocol": "https"}]}}'
        )
        [container] = spec.containers
        assert [(s.object_name, s.env_var, s.key_ref, s.directory) for s in container.secrets] == [
            ("db.s.pw", "PW", "password", None),
            ("tok", None, None, "/run/tok"),
        ]
        [endpoint] = spec.endpoints
        assert (endpoint.name, endpoint.port, endpoint.protocol, endpoint.is_public) == ("ui", 80, "HTTPS", True)

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("spec:\n  containers: []", "non-empty list"),
            ("spec:\n  containers:\n  - name: a\n", "'name' and an 'image'"),
            ("spec:\n  containers:\n  - {name: a, image: i}\n  - {name: a, image: j}", "unique"),
            ("spec:\n  containers:\n  - {name: a, image: i}\n  endpoints:\n  - {name: e}", "'port'"),
            (
                "spec:\n  containers:\n  - {name: a, image: i}\n  endpoints:\n  - {name: e, port: 1, public: true,"
                " protocol: TCP}",
                "HTTP or HTTPS",
            ),
            (
                "spec:\n  containers:\n  - name: a\n    image: i\n    secrets:\n    - {snowflakeSecret: s, envVarName: V}",
                "'secretKeyRef'",
            ),
            (
                "spec:\n  containers:\n  - name: a\n    image: i\n    secrets:\n"
                "    - {snowflakeSecret: s, envVarName: V, secretKeyRef: pin}",
                "must be one of",
            ),
            ("spec: [unclosed", "not valid YAML"),
        ],
    )
    def test_invalid_specs(self, text: str, message: str) -> None:
        with pytest.raises(SpecError, match=message):
            parse_service_spec(text)

    def test_templates(self) -> None:
        assert render_template("image: web:{{ tag }} size: {{SIZE}}", {"TAG": "v2", "size": "3"}) == (
            "image: web:v2 size: 3"
        )
        with pytest.raises(SpecError, match="no value for 'missing'"):
            render_template("{{ missing }} {{ tag }}", {"tag": "x"})


def spec_with_secrets() -> str:
    return (
        "spec:\n  containers:\n  - name: app\n    image: /db/s/r/app:1\n    secrets:\n"
        "    - snowflakeSecret: spcs_db.app.api_key\n      envVarName: API_KEY\n      secretKeyRef: secret_string\n"
        "    - snowflakeSecret: {objectName: login}\n      directoryPath: /secrets/login\n"
        "  endpoints:\n  - {name: api, port: 8000, public: true}\n"
    )


class TestMountedSecrets:
    def deploy(self, world: World) -> Service:
        world.add_compute_pool("SPCS_POOL")
        service = world.create_service(
            ("SPCS_DB", "APP", "APP"),
            spec_with_secrets(),
            compute_pool="SPCS_POOL",
            owner_role="SPCS_ROLE",
            settings=ServiceSettings(),
        )
        service.poll()
        service.poll()
        return service

    def test_env_is_fixed_per_revision_and_files_follow_live(self, world: World) -> None:
        api_key = world.add_secret("api_key", "GENERIC_STRING", secret_string="k1")
        login = world.add_secret("login", "PASSWORD", username="u", password="p1")
        service = self.deploy(world)
        first = service.mounted_secrets()
        assert first.env == {"API_KEY": "k1"}
        assert first.files == {"/secrets/login/username": "u", "/secrets/login/password": "p1"}
        assert "k1" not in repr(first)
        assert "p1" not in repr(first)
        assert first.digests()["/secrets/login/password"] == short("p1")
        api_key.alter({"SECRET_STRING": "k2"})
        login.alter({"PASSWORD": "p2"})
        second = service.mounted_secrets()
        assert second.env == {"API_KEY": "k1"}  # env vars change only with a new revision
        assert second.files["/secrets/login/password"] == "p2"
        service.upgrade(world.make_revision(service.spec, database="SPCS_DB", schema="APP", owner_role="SPCS_ROLE"))
        for _ in range(3):
            service.poll()
        assert service.mounted_secrets().env == {"API_KEY": "k2"}

    def test_missing_unreadable_or_mismatched_secrets_refuse_the_spec(self, world: World) -> None:
        with pytest.raises(ObjectMissing, match=r"Secret 'spcs_db\.app\.api_key'"):
            self.deploy(world)
        world.add_secret("api_key", "GENERIC_STRING", secret_string="k", owner_role="OTHER")
        with pytest.raises(ObjectMissing):
            world.make_revision(spec_with_secrets(), database="SPCS_DB", schema="APP", owner_role="SPCS_ROLE")
        world.add_secret("api_key", "PASSWORD", username="u", password="p")
        world.add_secret("login", "PASSWORD", username="u", password="p")
        with pytest.raises(InvalidSetting, match="has keys username, password"):
            world.make_revision(spec_with_secrets(), database="SPCS_DB", schema="APP", owner_role="SPCS_ROLE")


@pytest.fixture
def world() -> World:
    return World()
