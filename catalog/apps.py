from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Catalogue"
    role_permissions = {
        "manager": [
            "catalog.view_category",
            "catalog.add_category",
            "catalog.change_category",
            "catalog.view_product",
            "catalog.add_product",
            "catalog.change_product",
            "catalog.view_productbarcode",
            "catalog.add_productbarcode",
            "catalog.change_productbarcode",
            "catalog.delete_productbarcode",
            "catalog.view_storeoffer",
            "catalog.add_storeoffer",
            "catalog.change_storeoffer",
            "catalog.view_shelflabel",
            "catalog.add_shelflabel",
            "catalog.change_shelflabel",
            "catalog.view_review",
            "catalog.change_review",
            "catalog.view_recipe",
            "catalog.add_recipe",
            "catalog.change_recipe",
            "catalog.delete_recipe",
            "catalog.view_recipeingredient",
            "catalog.add_recipeingredient",
            "catalog.change_recipeingredient",
            "catalog.delete_recipeingredient",
            "catalog.view_scanevent",
            "catalog.view_stockmovement",
            "catalog.view_pricechange",
        ],
    }
