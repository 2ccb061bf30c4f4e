"""The order's rules: pure Python, no Frappe import, dates passed in.

Controllers and hooks gather data, call these functions, and write what they return.
"""
