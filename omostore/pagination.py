"""The API's pages: DRF's page numbers, taking only what the schema says `page` is."""

from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=` is a whole number from 1; anything else (blank, "last", "1.5") is no such page
    (404), as DRF answers a page past the end. Lists answer `{count, next, previous, results}`
    and say so in the schema: a list view sets `pagination_class` to this."""

    last_page_strings = ()

    def get_page_number(self, request, paginator):
        return request.query_params.get(self.page_query_param, 1)
