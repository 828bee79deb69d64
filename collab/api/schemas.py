"""Schema building blocks shared by every endpoint: text fields that the database can store,
the error object, cursor pages. Endpoints validate with these pydantic models, and the OpenAPI
document is generated from the very same models (collab.api.openapi)."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

T = TypeVar("T")


def _storable(value: str) -> str:
    """Text the database can keep: no NUL character, no lone UTF-16 surrogate."""
    if "\x00" in value:
        raise ValueError("text may not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text must be valid Unicode (no lone surrogates)") from None
    return value


def Text(max_length: int, min_length: int = 0, **kw):  # noqa: N802 (a type factory)
    """A string field with length limits whose value the database can store (NUL characters and
    lone surrogates are refused with 422; PostgreSQL cannot keep them)."""
    return Annotated[str, Field(min_length=min_length, max_length=max_length, **kw),
                     AfterValidator(_storable)]


class Input(BaseModel):
    """A request body: unknown fields are refused, so a typo never silently does nothing."""

    model_config = ConfigDict(extra="forbid")


class Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ErrorBody(Output):
    code: str = Field(description="A stable machine-readable code, e.g. not_found, invalid, conflict.")
    message: str = Field(description="A human-readable explanation, in the token owner's language.")
    field: str | None = Field(None, description="The request field the error is about, if any.")
    details: Any = Field(None, description="More about the error (validation problems, the current revision ...).")


class Error(Output):
    error: ErrorBody


class Person(Output):
    id: int
    username: str
    name: str


class Page(Output, Generic[T]):
    """A page of a list (``Page[X]`` is named "XPage" in the OpenAPI document)."""

    items: list[T]
    next_cursor: str | None = Field(None, description="Pass as ?cursor= for the next page; null on the last page.")

    @classmethod
    def model_parametrized_name(cls, params) -> str:
        return f"{params[0].__name__}Page"


class ListQuery(Input):
    """Query parameters of a list; like bodies, unknown parameters are refused."""
    cursor: Text(200) | None = Field(None, description="The next_cursor of the previous page.")
    limit: int = Field(25, ge=1, le=100, description="Items per page.")


def person(user) -> Person | None:
    return Person(id=user.id, username=user.username, name=user.name) if user is not None else None


__all__ = ["Text", "Input", "Output", "Error", "ErrorBody", "Person", "Page", "ListQuery", "person", "datetime"]
