"""Errors the API returns to callers: an HTTP status and a message that is safe to show."""

from __future__ import annotations

from http import HTTPStatus


class ApiError(Exception):
    """Raised by the logic modules; the handler turns it into `{"message": ...}` with `status`."""

    status = HTTPStatus.BAD_REQUEST

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadRequestError(ApiError):
    status = HTTPStatus.BAD_REQUEST


class UnauthorizedError(ApiError):
    status = HTTPStatus.UNAUTHORIZED


class ForbiddenError(ApiError):
    status = HTTPStatus.FORBIDDEN


class NotFoundError(ApiError):
    status = HTTPStatus.NOT_FOUND


class PayloadTooLargeError(ApiError):
    status = HTTPStatus.REQUEST_ENTITY_TOO_LARGE


class UnsupportedMediaTypeError(ApiError):
    status = HTTPStatus.UNSUPPORTED_MEDIA_TYPE


class UpstreamError(ApiError):
    """An AWS call failed for a reason the caller cannot fix."""

    status = HTTPStatus.BAD_GATEWAY


class UpstreamBusyError(ApiError):
    """An AWS service throttled us; the caller may retry."""

    status = HTTPStatus.SERVICE_UNAVAILABLE


class ConflictError(ApiError):
    """The resource changed since the caller read it (a stale version)."""

    status = HTTPStatus.CONFLICT
