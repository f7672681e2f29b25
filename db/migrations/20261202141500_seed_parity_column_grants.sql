-- The column privileges the seed-parity queries need, stated column by column so they hold
-- whatever table-level grants a role keeps (least privilege: chatdb_app updates only what a
-- user may change in their own rows).
--   UpdateMessageParts             messages.parts                       chatdb_app
--   UpdateChatAutoApproval         chats.auto_approve, auto_approve_tools chatdb_app
--   SetProviderConfigActive        provider_configs.is_active           chatdb_app
--   UpdateFileUploadMetadata       file_uploads.metadata                chatdb_app
--   UpsertAutoApprovalSettings     the new auto_approval_settings lists chatdb_app
--   SetUserStripeCustomerID        users.stripe_customer_id             chatdb_system
--   UpgradeGuestUser               users.user_type, email, name, email_verified, password_hash
--                                                                       chatdb_system
--   UpdateAuthenticatorCounter     authenticators.counter (granted with the table)

-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

GRANT UPDATE (parts) ON public.messages TO chatdb_app;
GRANT UPDATE (auto_approve, auto_approve_tools) ON public.chats TO chatdb_app;
GRANT UPDATE (is_active) ON public.provider_configs TO chatdb_app;
GRANT UPDATE (metadata) ON public.file_uploads TO chatdb_app;
GRANT UPDATE (read_only_operations, low_risk_operations, max_hourly_cost)
    ON public.auto_approval_settings TO chatdb_app;
GRANT UPDATE (stripe_customer_id, user_type, email, name, email_verified, password_hash)
    ON public.users TO chatdb_system;

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

REVOKE UPDATE (stripe_customer_id, user_type, email, name, email_verified, password_hash)
    ON public.users FROM chatdb_system;
REVOKE UPDATE (read_only_operations, low_risk_operations, max_hourly_cost)
    ON public.auto_approval_settings FROM chatdb_app;
REVOKE UPDATE (metadata) ON public.file_uploads FROM chatdb_app;
REVOKE UPDATE (is_active) ON public.provider_configs FROM chatdb_app;
REVOKE UPDATE (auto_approve, auto_approve_tools) ON public.chats FROM chatdb_app;
REVOKE UPDATE (parts) ON public.messages FROM chatdb_app;
