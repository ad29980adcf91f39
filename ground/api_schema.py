"""The API's OpenAPI schema generator (drf-spectacular's AutoSchema, settings DEFAULT_SCHEMA_CLASS),
made to describe what the responses really hold:

- a read-only field of a model column that may be blank may be "" (DRF drops `allow_blank` from
  read-only fields, so the schema would otherwise refuse "" for an enum or an e-mail);
- a serializer's `schema_optional_fields` are left out of `required` (fields only some readers get);
- an id in a URL (ground.api.ID_PATTERN) is an integer from 1 to ground.api.ID_MAX;
- every operation lists the errors any API request may meet (`API_ERRORS`), besides its own;
- a view whose `list` answers one summary object (`answers_one_object = True`) is described as
  that object, not as an array of it.
"""

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import get_view_model
from rest_framework import serializers
from rest_framework.schemas.utils import get_pk_description

from ground.api import ID_MAX, ID_PATTERN

# The answers any request may get besides the operation's own: what each means to the caller.
API_ERRORS = {
    "400": "请求参数或请求体无效:按参数名或字段名给出中文说明",
    "401": "未登录,或令牌无效、已过期、已吊销",
    "403": "无权执行此操作(角色、只读令牌、待改密码或两步验证)",
    "404": "对象不存在,或不在您的可见范围内",
    "429": "请求过于频繁,请按 Retry-After 稍后重试",
}


class ApiErrorSerializer(serializers.Serializer):
    """An error answer: `detail`, or each refused parameter or field with its messages."""

    detail = serializers.JSONField(required=False, help_text="中文说明")


class ContractAutoSchema(AutoSchema):
    def _is_list_view(self, serializer=None) -> bool:
        if getattr(self.view, "answers_one_object", False):
            return False
        return super()._is_list_view(serializer)

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        if field.read_only and hasattr(field, "allow_blank") and not field.allow_blank and _blank_column(field):
            field.allow_blank = True  # this instance only serves the schema
        return super()._map_serializer_field(field, direction, bypass_extensions)

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        optional = set(getattr(serializer, "schema_optional_fields", ()))
        if optional and "required" in schema:
            schema["required"] = [name for name in schema["required"] if name not in optional]
            if not schema["required"]:
                del schema["required"]
        return schema

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, description in API_ERRORS.items():
            if code not in responses:
                responses[code] = {**self._get_response_for_code(ApiErrorSerializer, code, direction=direction),
                                   "description": description}
        return responses

    def _resolve_path_parameters(self, variables):
        parameters = super()._resolve_path_parameters(variables)
        model = get_view_model(self.view, emit_warnings=False)
        for index, parameter in enumerate(parameters):
            if parameter["schema"].get("pattern") == f"^{ID_PATTERN}$":
                described = {"description": get_pk_description(model, model._meta.pk)} if model is not None else {}
                parameters[index] = {**parameter, "schema": {"type": "integer", "minimum": 1, "maximum": ID_MAX},
                                     **described, "required": parameter["required"]}
        return parameters


def _blank_column(field: serializers.Field) -> bool:
    """Whether the field shows a text column of its ModelSerializer's model that may be blank."""
    parent = field.parent
    if not isinstance(parent, serializers.ModelSerializer) or not field.source or "." in field.source:
        return False
    try:
        column = parent.Meta.model._meta.get_field(field.source)
    except FieldDoesNotExist:
        return False
    return isinstance(column, models.CharField | models.TextField) and column.blank
