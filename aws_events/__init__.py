"""Events exactly as AWS delivers them to our functions, each behaviour beside its source.

- `aws_events.http_api`: API Gateway HTTP API requests (payload format 2.0) and its route matching.
- `aws_events.cognito`: Cognito user-pool trigger events, per trigger source.

Tests, benchmarks and the local stack (`make local`) build every event through these modules, so a
wrong picture of AWS is corrected in one place. Lambda code never imports them.
"""
