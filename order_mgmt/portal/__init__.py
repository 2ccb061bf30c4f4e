"""The customer portal's data (its pages: order_mgmt/www/my-orders; its PDFs: order_mgmt.api.portal)."""
