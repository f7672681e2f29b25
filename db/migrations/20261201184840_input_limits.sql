-- Input limits: every user- or externally-supplied text column gets a finite length, every
-- jsonb column a finite size (octet_length of its text form: the size the client sent,
-- independent of TOAST compression), arrays a finite cardinality, and key versions and token
-- counts a sign. Without them a 70,000-character provider id or a 1 MB chat metadata blob was
-- accepted (tests/reliability/test_hostile_input.py). Names: <table>_<column>_length_check,
-- _size_check, _positive_check, _nonnegative_check; chatdb.errors maps them to CheckViolation.
--
-- Limits are generous on purpose, far above what a real chat app writes, and below what would
-- let one request bloat a row: identifiers 64-255, URLs 2048, short prose 1000-2000, prompts and
-- messages 100k-200k characters, documents 1M characters; message parts 2 MiB. The large ones
-- carry a COMMENT saying why.
--
-- Added NOT VALID (no table scan under the ACCESS EXCLUSIVE lock); the next migration,
-- validate_input_limits, validates them under SHARE UPDATE EXCLUSIVE, which does not block
-- writes.

-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

ALTER TABLE public.accounts ADD CONSTRAINT accounts_provider_length_check CHECK (char_length(provider) <= 64) NOT VALID;
ALTER TABLE public.accounts ADD CONSTRAINT accounts_provider_account_id_length_check CHECK (char_length(provider_account_id) <= 255) NOT VALID;
ALTER TABLE public.accounts ADD CONSTRAINT accounts_token_type_length_check CHECK (char_length(token_type) <= 64) NOT VALID;
ALTER TABLE public.accounts ADD CONSTRAINT accounts_scope_length_check CHECK (char_length(scope) <= 4096) NOT VALID;
COMMENT ON CONSTRAINT accounts_scope_length_check ON public.accounts IS
    'scope: at most 4,096 characters; OAuth scope lists can be long (Google returns URLs).';
ALTER TABLE public.accounts ADD CONSTRAINT accounts_session_state_length_check CHECK (char_length(session_state) <= 1024) NOT VALID;
ALTER TABLE public.accounts ADD CONSTRAINT accounts_token_key_version_positive_check CHECK (token_key_version >= 1) NOT VALID;
ALTER TABLE public.accounts ADD CONSTRAINT accounts_access_token_ciphertext_length_check CHECK (octet_length(access_token_ciphertext) <= 16384) NOT VALID;
COMMENT ON CONSTRAINT accounts_access_token_ciphertext_length_check ON public.accounts IS
    'access_token_ciphertext: at most 16,384 bytes; sealed OAuth tokens are a few KB at most.';
ALTER TABLE public.accounts ADD CONSTRAINT accounts_refresh_token_ciphertext_length_check CHECK (octet_length(refresh_token_ciphertext) <= 16384) NOT VALID;
ALTER TABLE public.accounts ADD CONSTRAINT accounts_id_token_ciphertext_length_check CHECK (octet_length(id_token_ciphertext) <= 16384) NOT VALID;

ALTER TABLE public.auto_approval_settings ADD CONSTRAINT auto_approval_settings_allowed_tools_length_check CHECK (cardinality(allowed_tools) <= 500) NOT VALID;
ALTER TABLE public.auto_approval_settings ADD CONSTRAINT auto_approval_settings_blocked_tools_length_check CHECK (cardinality(blocked_tools) <= 500) NOT VALID;

ALTER TABLE public.chat_states ADD CONSTRAINT chat_states_state_size_check CHECK (octet_length(state::text) <= 1048576) NOT VALID;
COMMENT ON CONSTRAINT chat_states_state_size_check ON public.chat_states IS
    'state: at most 1 MiB of JSON text; client UI state of one chat.';

ALTER TABLE public.chats ADD CONSTRAINT chats_provider_length_check CHECK (char_length(provider) <= 64) NOT VALID;
ALTER TABLE public.chats ADD CONSTRAINT chats_model_length_check CHECK (char_length(model) <= 200) NOT VALID;
ALTER TABLE public.chats ADD CONSTRAINT chats_system_prompt_length_check CHECK (char_length(system_prompt) <= 100000) NOT VALID;
COMMENT ON CONSTRAINT chats_system_prompt_length_check ON public.chats IS
    'system_prompt: at most 100,000 characters; long system prompts (~25k tokens) are real; 100k chars is generous.';
ALTER TABLE public.chats ADD CONSTRAINT chats_metadata_size_check CHECK (octet_length(metadata::text) <= 65536) NOT VALID;

ALTER TABLE public.companion_messages ADD CONSTRAINT companion_messages_content_length_check CHECK (char_length(content) <= 200000) NOT VALID;
COMMENT ON CONSTRAINT companion_messages_content_length_check ON public.companion_messages IS
    'content: at most 200,000 characters; one model turn or a pasted text (~50k tokens).';
ALTER TABLE public.companion_messages ADD CONSTRAINT companion_messages_metadata_size_check CHECK (octet_length(metadata::text) <= 65536) NOT VALID;

ALTER TABLE public.companion_token_burns ADD CONSTRAINT companion_token_burns_ledger_operation_id_length_check CHECK (char_length(ledger_operation_id) <= 200) NOT VALID;
COMMENT ON CONSTRAINT companion_token_burns_ledger_operation_id_length_check ON public.companion_token_burns IS
    'ledger_operation_id: at most 200 characters; same limit as credit_ledger.operation_id.';
ALTER TABLE public.companion_token_burns ADD CONSTRAINT companion_token_burns_provider_length_check CHECK (char_length(provider) <= 64) NOT VALID;
ALTER TABLE public.companion_token_burns ADD CONSTRAINT companion_token_burns_model_length_check CHECK (char_length(model) <= 200) NOT VALID;

ALTER TABLE public.companions ADD CONSTRAINT companions_description_length_check CHECK (char_length(description) <= 2000) NOT VALID;
ALTER TABLE public.companions ADD CONSTRAINT companions_avatar_url_length_check CHECK (char_length(avatar_url) <= 2048) NOT VALID;
ALTER TABLE public.companions ADD CONSTRAINT companions_provider_length_check CHECK (char_length(provider) <= 64) NOT VALID;
ALTER TABLE public.companions ADD CONSTRAINT companions_model_length_check CHECK (char_length(model) <= 200) NOT VALID;
ALTER TABLE public.companions ADD CONSTRAINT companions_personality_size_check CHECK (octet_length(personality::text) <= 262144) NOT VALID;
ALTER TABLE public.companions ADD CONSTRAINT companions_knowledge_size_check CHECK (octet_length(knowledge::text) <= 1048576) NOT VALID;
COMMENT ON CONSTRAINT companions_knowledge_size_check ON public.companions IS
    'knowledge: at most 1 MiB of JSON text; a companion''s knowledge base excerpt; documents hold the large texts.';
ALTER TABLE public.companions ADD CONSTRAINT companions_interaction_size_check CHECK (octet_length(interaction::text) <= 262144) NOT VALID;
ALTER TABLE public.companions ADD CONSTRAINT companions_tool_config_size_check CHECK (octet_length(tool_config::text) <= 262144) NOT VALID;
ALTER TABLE public.companions ADD CONSTRAINT companions_tool_access_length_check CHECK (cardinality(tool_access) <= 500) NOT VALID;

ALTER TABLE public.context_optimizations ADD CONSTRAINT context_optimizations_summary_length_check CHECK (char_length(summary) <= 100000) NOT VALID;
ALTER TABLE public.context_optimizations ADD CONSTRAINT context_optimizations_metadata_size_check CHECK (octet_length(metadata::text) <= 65536) NOT VALID;
ALTER TABLE public.context_optimizations ADD CONSTRAINT context_optimizations_tokens_before_nonnegative_check CHECK (tokens_before >= 0) NOT VALID;

ALTER TABLE public.credit_ledger ADD CONSTRAINT credit_ledger_description_length_check CHECK (char_length(description) <= 1000) NOT VALID;
ALTER TABLE public.credit_ledger ADD CONSTRAINT credit_ledger_metadata_size_check CHECK (octet_length(metadata::text) <= 65536) NOT VALID;

ALTER TABLE public.documents ADD CONSTRAINT documents_content_length_check CHECK (char_length(content) <= 1000000) NOT VALID;
COMMENT ON CONSTRAINT documents_content_length_check ON public.documents IS
    'content: at most 1,000,000 characters; artifacts (code, long text) are versioned whole; 1M chars is about 250k tokens.';

ALTER TABLE public.external_tokens ADD CONSTRAINT external_tokens_label_length_check CHECK (char_length(label) <= 200) NOT VALID;
ALTER TABLE public.external_tokens ADD CONSTRAINT external_tokens_token_ciphertext_length_check CHECK (octet_length(token_ciphertext) <= 16384) NOT VALID;
ALTER TABLE public.external_tokens ADD CONSTRAINT external_tokens_scopes_length_check CHECK (cardinality(scopes) <= 200) NOT VALID;

ALTER TABLE public.file_uploads ADD CONSTRAINT file_uploads_content_type_length_check CHECK (char_length(content_type) <= 255) NOT VALID;
COMMENT ON CONSTRAINT file_uploads_content_type_length_check ON public.file_uploads IS
    'content_type: at most 255 characters; RFC 6838: type and subtype are at most 127 characters each.';
ALTER TABLE public.file_uploads ADD CONSTRAINT file_uploads_storage_key_length_check CHECK (char_length(storage_key) <= 1024) NOT VALID;
COMMENT ON CONSTRAINT file_uploads_storage_key_length_check ON public.file_uploads IS
    'storage_key: at most 1,024 characters; S3 object keys are at most 1024 bytes.';

ALTER TABLE public.fingerprints ADD CONSTRAINT fingerprints_user_agent_length_check CHECK (char_length(user_agent) <= 1024) NOT VALID;

ALTER TABLE public.group_chats ADD CONSTRAINT group_chats_description_length_check CHECK (char_length(description) <= 2000) NOT VALID;

ALTER TABLE public.group_messages ADD CONSTRAINT group_messages_content_length_check CHECK (char_length(content) <= 100000) NOT VALID;
ALTER TABLE public.group_messages ADD CONSTRAINT group_messages_metadata_size_check CHECK (octet_length(metadata::text) <= 65536) NOT VALID;

ALTER TABLE public.messages ADD CONSTRAINT messages_provider_length_check CHECK (char_length(provider) <= 64) NOT VALID;
ALTER TABLE public.messages ADD CONSTRAINT messages_model_length_check CHECK (char_length(model) <= 200) NOT VALID;
ALTER TABLE public.messages ADD CONSTRAINT messages_parts_size_check CHECK (octet_length(parts::text) <= 2097152) NOT VALID;
COMMENT ON CONSTRAINT messages_parts_size_check ON public.messages IS
    'parts: at most 2 MiB of JSON text; parts hold text, reasoning and tool calls/results of one turn; long outputs and pasted documents reach hundreds of KB. Binary content belongs in file_uploads.';
ALTER TABLE public.messages ADD CONSTRAINT messages_attachments_size_check CHECK (octet_length(attachments::text) <= 262144) NOT VALID;
COMMENT ON CONSTRAINT messages_attachments_size_check ON public.messages IS
    'attachments: at most 256 KiB of JSON text; references to file_uploads, not the files themselves.';
ALTER TABLE public.messages ADD CONSTRAINT messages_provider_metadata_size_check CHECK (octet_length(provider_metadata::text) <= 262144) NOT VALID;

ALTER TABLE public.payments ADD CONSTRAINT payments_id_length_check CHECK (char_length(id) <= 255) NOT VALID;
ALTER TABLE public.payments ADD CONSTRAINT payments_provider_length_check CHECK (char_length(provider) <= 64) NOT VALID;
ALTER TABLE public.payments ADD CONSTRAINT payments_description_length_check CHECK (char_length(description) <= 1000) NOT VALID;
ALTER TABLE public.payments ADD CONSTRAINT payments_billing_details_size_check CHECK (octet_length(billing_details::text) <= 65536) NOT VALID;
ALTER TABLE public.payments ADD CONSTRAINT payments_customer_details_size_check CHECK (octet_length(customer_details::text) <= 65536) NOT VALID;
ALTER TABLE public.payments ADD CONSTRAINT payments_metadata_size_check CHECK (octet_length(metadata::text) <= 65536) NOT VALID;

ALTER TABLE public.provider_configs ADD CONSTRAINT provider_configs_api_key_ciphertext_length_check CHECK (octet_length(api_key_ciphertext) <= 16384) NOT VALID;
COMMENT ON CONSTRAINT provider_configs_api_key_ciphertext_length_check ON public.provider_configs IS
    'api_key_ciphertext: at most 16,384 bytes; a sealed API key: provider keys are under 1 KB, so the plain key is bounded too.';
ALTER TABLE public.provider_configs ADD CONSTRAINT provider_configs_base_url_length_check CHECK (char_length(base_url) <= 2048) NOT VALID;
ALTER TABLE public.provider_configs ADD CONSTRAINT provider_configs_default_model_length_check CHECK (char_length(default_model) <= 200) NOT VALID;
ALTER TABLE public.provider_configs ADD CONSTRAINT provider_configs_settings_size_check CHECK (octet_length(settings::text) <= 65536) NOT VALID;
ALTER TABLE public.provider_configs ADD CONSTRAINT provider_configs_api_key_version_positive_check CHECK (api_key_version >= 1) NOT VALID;

ALTER TABLE public.subscriptions ADD CONSTRAINT subscriptions_provider_length_check CHECK (char_length(provider) <= 64) NOT VALID;
ALTER TABLE public.subscriptions ADD CONSTRAINT subscriptions_provider_subscription_id_length_check CHECK (char_length(provider_subscription_id) <= 255) NOT VALID;
ALTER TABLE public.subscriptions ADD CONSTRAINT subscriptions_provider_customer_id_length_check CHECK (char_length(provider_customer_id) <= 255) NOT VALID;
ALTER TABLE public.subscriptions ADD CONSTRAINT subscriptions_price_id_length_check CHECK (char_length(price_id) <= 255) NOT VALID;
ALTER TABLE public.subscriptions ADD CONSTRAINT subscriptions_plan_length_check CHECK (char_length(plan) <= 100) NOT VALID;
ALTER TABLE public.subscriptions ADD CONSTRAINT subscriptions_metadata_size_check CHECK (octet_length(metadata::text) <= 65536) NOT VALID;
ALTER TABLE public.subscriptions ADD CONSTRAINT subscriptions_last_event_id_length_check CHECK (char_length(last_event_id) <= 255) NOT VALID;

ALTER TABLE public.suggestions ADD CONSTRAINT suggestions_original_text_length_check CHECK (char_length(original_text) <= 100000) NOT VALID;
ALTER TABLE public.suggestions ADD CONSTRAINT suggestions_suggested_text_length_check CHECK (char_length(suggested_text) <= 100000) NOT VALID;
ALTER TABLE public.suggestions ADD CONSTRAINT suggestions_description_length_check CHECK (char_length(description) <= 2000) NOT VALID;

ALTER TABLE public.tool_executions ADD CONSTRAINT tool_executions_tool_call_id_length_check CHECK (char_length(tool_call_id) <= 200) NOT VALID;
ALTER TABLE public.tool_executions ADD CONSTRAINT tool_executions_arguments_size_check CHECK (octet_length(arguments::text) <= 1048576) NOT VALID;
COMMENT ON CONSTRAINT tool_executions_arguments_size_check ON public.tool_executions IS
    'arguments: at most 1 MiB of JSON text; tool arguments may carry code or a document.';
ALTER TABLE public.tool_executions ADD CONSTRAINT tool_executions_result_size_check CHECK (octet_length(result::text) <= 1048576) NOT VALID;
COMMENT ON CONSTRAINT tool_executions_result_size_check ON public.tool_executions IS
    'result: at most 1 MiB of JSON text; tool results (search pages, file reads) are truncated by the app to well under this.';
ALTER TABLE public.tool_executions ADD CONSTRAINT tool_executions_error_length_check CHECK (char_length(error) <= 10000) NOT VALID;

ALTER TABLE public.usage_logs ADD CONSTRAINT usage_logs_provider_length_check CHECK (char_length(provider) <= 64) NOT VALID;
ALTER TABLE public.usage_logs ADD CONSTRAINT usage_logs_model_length_check CHECK (char_length(model) <= 200) NOT VALID;
ALTER TABLE public.usage_logs ADD CONSTRAINT usage_logs_metadata_size_check CHECK (octet_length(metadata::text) <= 65536) NOT VALID;

ALTER TABLE public.users ADD CONSTRAINT users_email_length_check CHECK (char_length(email) <= 254) NOT VALID;
COMMENT ON CONSTRAINT users_email_length_check ON public.users IS
    'email: at most 254 characters; RFC 5321 path limit: an address longer than 254 cannot receive mail.';
ALTER TABLE public.users ADD CONSTRAINT users_image_length_check CHECK (char_length(image) <= 2048) NOT VALID;
ALTER TABLE public.users ADD CONSTRAINT users_stripe_customer_id_length_check CHECK (char_length(stripe_customer_id) <= 255) NOT VALID;

ALTER TABLE public.verification_tokens ADD CONSTRAINT verification_tokens_identifier_length_check CHECK (char_length(identifier) <= 255) NOT VALID;

ALTER TABLE public.webhook_events ADD CONSTRAINT webhook_events_provider_length_check CHECK (char_length(provider) <= 64) NOT VALID;
ALTER TABLE public.webhook_events ADD CONSTRAINT webhook_events_event_id_length_check CHECK (char_length(event_id) <= 255) NOT VALID;
ALTER TABLE public.webhook_events ADD CONSTRAINT webhook_events_event_type_length_check CHECK (char_length(event_type) <= 255) NOT VALID;
ALTER TABLE public.webhook_events ADD CONSTRAINT webhook_events_payload_size_check CHECK (octet_length(payload::text) <= 1048576) NOT VALID;
COMMENT ON CONSTRAINT webhook_events_payload_size_check ON public.webhook_events IS
    'payload: at most 1 MiB of JSON text; Stripe events are a few KB; 1 MiB bounds a hostile sender.';
ALTER TABLE public.webhook_events ADD CONSTRAINT webhook_events_last_error_length_check CHECK (char_length(last_error) <= 10000) NOT VALID;

-- migrate:down
SET LOCAL lock_timeout = '5s';
-- The down section drops exactly the constraints the up section added, nothing else.
-- squawk-ignore-file ban-drop-constraint
ALTER TABLE public.webhook_events DROP CONSTRAINT webhook_events_last_error_length_check;
ALTER TABLE public.webhook_events DROP CONSTRAINT webhook_events_payload_size_check;
ALTER TABLE public.webhook_events DROP CONSTRAINT webhook_events_event_type_length_check;
ALTER TABLE public.webhook_events DROP CONSTRAINT webhook_events_event_id_length_check;
ALTER TABLE public.webhook_events DROP CONSTRAINT webhook_events_provider_length_check;
ALTER TABLE public.verification_tokens DROP CONSTRAINT verification_tokens_identifier_length_check;
ALTER TABLE public.users DROP CONSTRAINT users_stripe_customer_id_length_check;
ALTER TABLE public.users DROP CONSTRAINT users_image_length_check;
ALTER TABLE public.users DROP CONSTRAINT users_email_length_check;
ALTER TABLE public.usage_logs DROP CONSTRAINT usage_logs_metadata_size_check;
ALTER TABLE public.usage_logs DROP CONSTRAINT usage_logs_model_length_check;
ALTER TABLE public.usage_logs DROP CONSTRAINT usage_logs_provider_length_check;
ALTER TABLE public.tool_executions DROP CONSTRAINT tool_executions_error_length_check;
ALTER TABLE public.tool_executions DROP CONSTRAINT tool_executions_result_size_check;
ALTER TABLE public.tool_executions DROP CONSTRAINT tool_executions_arguments_size_check;
ALTER TABLE public.tool_executions DROP CONSTRAINT tool_executions_tool_call_id_length_check;
ALTER TABLE public.suggestions DROP CONSTRAINT suggestions_description_length_check;
ALTER TABLE public.suggestions DROP CONSTRAINT suggestions_suggested_text_length_check;
ALTER TABLE public.suggestions DROP CONSTRAINT suggestions_original_text_length_check;
ALTER TABLE public.subscriptions DROP CONSTRAINT subscriptions_last_event_id_length_check;
ALTER TABLE public.subscriptions DROP CONSTRAINT subscriptions_metadata_size_check;
ALTER TABLE public.subscriptions DROP CONSTRAINT subscriptions_plan_length_check;
ALTER TABLE public.subscriptions DROP CONSTRAINT subscriptions_price_id_length_check;
ALTER TABLE public.subscriptions DROP CONSTRAINT subscriptions_provider_customer_id_length_check;
ALTER TABLE public.subscriptions DROP CONSTRAINT subscriptions_provider_subscription_id_length_check;
ALTER TABLE public.subscriptions DROP CONSTRAINT subscriptions_provider_length_check;
ALTER TABLE public.provider_configs DROP CONSTRAINT provider_configs_api_key_version_positive_check;
ALTER TABLE public.provider_configs DROP CONSTRAINT provider_configs_settings_size_check;
ALTER TABLE public.provider_configs DROP CONSTRAINT provider_configs_default_model_length_check;
ALTER TABLE public.provider_configs DROP CONSTRAINT provider_configs_base_url_length_check;
ALTER TABLE public.provider_configs DROP CONSTRAINT provider_configs_api_key_ciphertext_length_check;
ALTER TABLE public.payments DROP CONSTRAINT payments_metadata_size_check;
ALTER TABLE public.payments DROP CONSTRAINT payments_customer_details_size_check;
ALTER TABLE public.payments DROP CONSTRAINT payments_billing_details_size_check;
ALTER TABLE public.payments DROP CONSTRAINT payments_description_length_check;
ALTER TABLE public.payments DROP CONSTRAINT payments_provider_length_check;
ALTER TABLE public.payments DROP CONSTRAINT payments_id_length_check;
ALTER TABLE public.messages DROP CONSTRAINT messages_provider_metadata_size_check;
ALTER TABLE public.messages DROP CONSTRAINT messages_attachments_size_check;
ALTER TABLE public.messages DROP CONSTRAINT messages_parts_size_check;
ALTER TABLE public.messages DROP CONSTRAINT messages_model_length_check;
ALTER TABLE public.messages DROP CONSTRAINT messages_provider_length_check;
ALTER TABLE public.group_messages DROP CONSTRAINT group_messages_metadata_size_check;
ALTER TABLE public.group_messages DROP CONSTRAINT group_messages_content_length_check;
ALTER TABLE public.group_chats DROP CONSTRAINT group_chats_description_length_check;
ALTER TABLE public.fingerprints DROP CONSTRAINT fingerprints_user_agent_length_check;
ALTER TABLE public.file_uploads DROP CONSTRAINT file_uploads_storage_key_length_check;
ALTER TABLE public.file_uploads DROP CONSTRAINT file_uploads_content_type_length_check;
ALTER TABLE public.external_tokens DROP CONSTRAINT external_tokens_scopes_length_check;
ALTER TABLE public.external_tokens DROP CONSTRAINT external_tokens_token_ciphertext_length_check;
ALTER TABLE public.external_tokens DROP CONSTRAINT external_tokens_label_length_check;
ALTER TABLE public.documents DROP CONSTRAINT documents_content_length_check;
ALTER TABLE public.credit_ledger DROP CONSTRAINT credit_ledger_metadata_size_check;
ALTER TABLE public.credit_ledger DROP CONSTRAINT credit_ledger_description_length_check;
ALTER TABLE public.context_optimizations DROP CONSTRAINT context_optimizations_tokens_before_nonnegative_check;
ALTER TABLE public.context_optimizations DROP CONSTRAINT context_optimizations_metadata_size_check;
ALTER TABLE public.context_optimizations DROP CONSTRAINT context_optimizations_summary_length_check;
ALTER TABLE public.companions DROP CONSTRAINT companions_tool_access_length_check;
ALTER TABLE public.companions DROP CONSTRAINT companions_tool_config_size_check;
ALTER TABLE public.companions DROP CONSTRAINT companions_interaction_size_check;
ALTER TABLE public.companions DROP CONSTRAINT companions_knowledge_size_check;
ALTER TABLE public.companions DROP CONSTRAINT companions_personality_size_check;
ALTER TABLE public.companions DROP CONSTRAINT companions_model_length_check;
ALTER TABLE public.companions DROP CONSTRAINT companions_provider_length_check;
ALTER TABLE public.companions DROP CONSTRAINT companions_avatar_url_length_check;
ALTER TABLE public.companions DROP CONSTRAINT companions_description_length_check;
ALTER TABLE public.companion_token_burns DROP CONSTRAINT companion_token_burns_model_length_check;
ALTER TABLE public.companion_token_burns DROP CONSTRAINT companion_token_burns_provider_length_check;
ALTER TABLE public.companion_token_burns DROP CONSTRAINT companion_token_burns_ledger_operation_id_length_check;
ALTER TABLE public.companion_messages DROP CONSTRAINT companion_messages_metadata_size_check;
ALTER TABLE public.companion_messages DROP CONSTRAINT companion_messages_content_length_check;
ALTER TABLE public.chats DROP CONSTRAINT chats_metadata_size_check;
ALTER TABLE public.chats DROP CONSTRAINT chats_system_prompt_length_check;
ALTER TABLE public.chats DROP CONSTRAINT chats_model_length_check;
ALTER TABLE public.chats DROP CONSTRAINT chats_provider_length_check;
ALTER TABLE public.chat_states DROP CONSTRAINT chat_states_state_size_check;
ALTER TABLE public.auto_approval_settings DROP CONSTRAINT auto_approval_settings_blocked_tools_length_check;
ALTER TABLE public.auto_approval_settings DROP CONSTRAINT auto_approval_settings_allowed_tools_length_check;
ALTER TABLE public.accounts DROP CONSTRAINT accounts_id_token_ciphertext_length_check;
ALTER TABLE public.accounts DROP CONSTRAINT accounts_refresh_token_ciphertext_length_check;
ALTER TABLE public.accounts DROP CONSTRAINT accounts_access_token_ciphertext_length_check;
ALTER TABLE public.accounts DROP CONSTRAINT accounts_token_key_version_positive_check;
ALTER TABLE public.accounts DROP CONSTRAINT accounts_session_state_length_check;
ALTER TABLE public.accounts DROP CONSTRAINT accounts_scope_length_check;
ALTER TABLE public.accounts DROP CONSTRAINT accounts_token_type_length_check;
ALTER TABLE public.accounts DROP CONSTRAINT accounts_provider_account_id_length_check;
ALTER TABLE public.accounts DROP CONSTRAINT accounts_provider_length_check;
