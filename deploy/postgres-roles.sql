-- Database roles for a production PostgreSQL (run as the database owner after `init-db`).
--   hotline_dash   : the dashboards (HOTLINE_DB_URL) — reads everything; may only append to the
--                    audit log, record logins/logouts on users and keep sign-in
--                    sessions and second factors.
--   hotline_writer : imports, sign-off, manual items, payment dates, report deliveries, stand-up
--                    actions, user and rules administration (HOTLINE_WRITE_DB_URL, and the CLI).
-- The owner role (which runs `python -m dashboard init-db`) keeps DDL rights; neither role has them.
-- Replace the passwords; re-run the GRANTs after a migration that adds tables.

CREATE ROLE hotline_dash LOGIN PASSWORD 'change-me-dash';
CREATE ROLE hotline_writer LOGIN PASSWORD 'change-me-writer';

GRANT USAGE ON SCHEMA public TO hotline_dash, hotline_writer;

GRANT SELECT ON ALL TABLES IN SCHEMA public TO hotline_dash;
GRANT INSERT ON audit_log TO hotline_dash;
GRANT USAGE ON SEQUENCE audit_log_id_seq TO hotline_dash;
GRANT UPDATE (last_login_at, token_version) ON users TO hotline_dash;
-- sign-in sessions and the TOTP second factor (docs/identity.md) are kept by the dashboards
GRANT INSERT, UPDATE ON user_sessions TO hotline_dash;
GRANT INSERT, UPDATE, DELETE ON user_totp TO hotline_dash;

GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO hotline_writer;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO hotline_writer;
