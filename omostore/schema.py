from drf_spectacular.openapi import AutoSchema


class OmoAutoSchema(AutoSchema):
    """Names components after the API class too: `MeApi.OutputSerializer` → `MeApiOutput`.

    Each API class nests its own Input/Output serializers (HackSoft style), so the bare class
    names repeat across the project.
    """

    def get_serializer_name(self, serializer, direction):
        qualified = type(serializer).__qualname__.replace("Serializer", "")
        return "".join(part for part in qualified.split(".") if part != "<locals>")
