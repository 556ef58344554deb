"""Third-party API clients (ứng dụng kết nối): client-credentials tokens, scopes, call audit and webhooks."""
