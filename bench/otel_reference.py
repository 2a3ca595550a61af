"""What in-process OpenTelemetry would add to a cold start (decision 14), with `make bench`'s method (bench.rounds).

Not part of `make bench`: the functions ship no OpenTelemetry, so its packages are not in requirements-dev.txt.
Run it in a throwaway virtualenv from the repository root:

    python3.13 -m venv /tmp/otel && /tmp/otel/bin/pip install aws-lambda-powertools==3.37.0 boto3==1.44.5 \
        botocore==1.44.8 opentelemetry-sdk==1.45.2 opentelemetry-exporter-otlp-proto-http==1.45.2 \
        opentelemetry-instrumentation-botocore==0.66b2 opentelemetry-propagator-aws-xray==1.0.2 \
        opentelemetry-sdk-extension-aws==2.1.0
    /tmp/otel/bin/python -m bench.otel_reference --rounds 11

The layers are what the ADOT layer or a Powertools OpenTelemetry provider would load in the function: the SDK's
tracer provider with X-Ray trace ids, an OTLP/HTTP exporter behind a batch span processor, the X-Ray propagator,
and the botocore instrumentation (spans for AWS SDK calls). The exporter's endpoint is never contacted.
"""

from __future__ import annotations

import argparse

from bench.rounds import Options, Row, Script, footer, header, run_cold, table
from tests.unit.function_env import function_env

SDK = """
from aws_lambda_powertools import Logger, Metrics
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.extension.aws.trace import AwsXRayIdGenerator
provider = TracerProvider(id_generator=AwsXRayIdGenerator())
trace.set_tracer_provider(provider)
"""
EXPORTER = """
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.propagate import set_global_textmap
from opentelemetry.propagators.aws import AwsXRayPropagator
provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint="http://127.0.0.1:4318/v1/traces")))
set_global_textmap(AwsXRayPropagator())
"""
BOTOCORE = """
from opentelemetry.instrumentation.botocore import BotocoreInstrumentor
BotocoreInstrumentor().instrument()
"""
EVERYTHING = SDK + EXPORTER + BOTOCORE


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.otel_reference", description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=Options.rounds)
    options = Options(rounds=parser.parse_args().rounds)
    api, sign_up = function_env("api"), function_env("pre_sign_up")
    scripts = [
        Script("logger", "Logger", "from aws_lambda_powertools import Logger", api),
        Script("sdk", "SDK", SDK, api),
        Script("exporter", "exporter", SDK + EXPORTER, api),
        Script("botocore", "botocore", EVERYTHING, api),
        Script("sign_up", "pre_sign_up", "import pre_sign_up.handler", sign_up),
        Script("sign_up_otel", "pre_sign_up + OpenTelemetry", EVERYTHING + "import pre_sign_up.handler", sign_up),
        Script("api", "api", "import api.handler", api),
        Script("api_otel", "api + OpenTelemetry", EVERYTHING + "import api.handler", api),
    ]
    header("In-process OpenTelemetry (decision 14)", options, scripts=len(scripts))
    series = run_cold(scripts, options)
    verdicts = table(
        f"Cold start with OpenTelemetry (median of {options.rounds} rounds; ratio to the Logger import)",
        series,
        [
            Row("logger", "cold import Powertools Logger  [baseline]", "logger"),
            Row("sdk", "cold Logger + Metrics + OpenTelemetry SDK tracer provider (X-Ray ids)", "logger"),
            Row("exporter", "cold + OTLP/HTTP exporter, batch span processor, X-Ray propagator", "logger"),
            Row("botocore", "cold + botocore instrumentation", "logger"),
            Row("sign_up", "cold import pre_sign_up.handler", "logger", 1.5),
            Row("sign_up_otel", "cold all of the above + import pre_sign_up.handler", "logger", 1.5),
            Row("api", "cold import api.handler", "logger", 3.5),
            Row("api_otel", "cold all of the above + import api.handler", "logger", 3.5),
        ],
    )
    footer(verdicts)


if __name__ == "__main__":
    main()
