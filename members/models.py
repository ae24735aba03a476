"""Members' data: favourites, the points ledger, the inbox and Web Push subscriptions."""
