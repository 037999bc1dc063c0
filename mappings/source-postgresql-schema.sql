-- An example operations (ticketing) system's tables, as a PostgreSQL source of the feed
-- (docs/feed.md). Its own names and integer codes, as such systems have them: t_order (工单,
-- updated in place, updated_at stamped by the database on every change), t_order_flow (流转记录,
-- one row per step, auto-increment id), and the code tables the integers refer to.
-- Used by the feed's tests and the demo source; source-postgresql-example.yaml reads it.

CREATE TABLE t_status_code (          -- 工单状态
  code SMALLINT NOT NULL PRIMARY KEY,
  name VARCHAR(20) NOT NULL
);
INSERT INTO t_status_code (code, name) VALUES (1, '待签收'), (2, '办理中'), (3, '已办结'), (4, '已退回');

CREATE TABLE t_flow_op (              -- 流转操作
  code SMALLINT NOT NULL PRIMARY KEY,
  name VARCHAR(20) NOT NULL
);
INSERT INTO t_flow_op (code, name) VALUES
  (1, '签收'), (2, '派单'), (3, '区内退单'), (4, '改派'), (5, '申请退单'), (6, '退单通过'), (7, '退单驳回'),
  (8, '催办'), (10, '申请延期'), (11, '延期通过'), (12, '联系诉求人'), (13, '回复'), (14, '质检通过'),
  (15, '质检退回'), (16, '重办'), (17, '协查派发'), (18, '协查完成');

CREATE TABLE t_order (
  id            BIGSERIAL PRIMARY KEY,
  order_no      VARCHAR(32) NOT NULL,
  call_time     TIMESTAMP(0) NULL,
  caller_tel    VARCHAR(20) NULL,        -- never pulled: the dashboard does not need it in clear
  recv_time     TIMESTAMP(0) NOT NULL,
  sqlx          SMALLINT NULL,            -- 诉求类型 1 咨询 2 求助 3 投诉 4 举报 5 建议 9 其他
  jjcd          SMALLINT NOT NULL DEFAULT 0,   -- 紧急程度 0 一般 1 紧急
  sxlx          SMALLINT NOT NULL DEFAULT 3,   -- 时限类型 1 紧急 2 及时 3 一般 4 疑难
  fl1           VARCHAR(64) NULL,
  fl2           VARCHAR(64) NULL,
  fl3           VARCHAR(64) NULL,
  title         VARCHAR(200) NULL,
  content       TEXT NULL,
  addr          VARCHAR(200) NULL,
  street_name   VARCHAR(100) NULL,
  handle_unit   VARCHAR(100) NULL,
  kh_flag       SMALLINT NULL,         -- 是否纳入考核
  status_code   SMALLINT NOT NULL DEFAULT 1,
  deadline      TIMESTAMP(0) NULL,
  bj_time       TIMESTAMP(0) NULL,           -- 办结时间
  hf_time       TIMESTAMP(0) NULL,           -- 回访时间
  hf_valid      SMALLINT NULL,
  hf_contacted  SMALLINT NULL,
  hf_resolved   SMALLINT NULL,
  myd           SMALLINT NULL,            -- 满意度 1 满意 2 基本满意 3 不满意
  created_at    TIMESTAMP(0) NOT NULL DEFAULT date_trunc('second', localtimestamp),
  updated_at    TIMESTAMP(0) NOT NULL DEFAULT date_trunc('second', localtimestamp),
  CONSTRAINT uk_order_no UNIQUE (order_no),
  CONSTRAINT fk_order_status FOREIGN KEY (status_code) REFERENCES t_status_code (code)
);

CREATE TABLE t_order_flow (
  id         BIGSERIAL PRIMARY KEY,
  order_id   BIGINT NOT NULL,
  op_time    TIMESTAMP(0) NOT NULL,
  op_code    SMALLINT NOT NULL,
  op_user    VARCHAR(32) NULL,           -- 工号
  op_dept    VARCHAR(100) NULL,          -- 单位
  remark     VARCHAR(500) NULL,
  CONSTRAINT fk_flow_order FOREIGN KEY (order_id) REFERENCES t_order (id),
  CONSTRAINT fk_flow_op FOREIGN KEY (op_code) REFERENCES t_flow_op (code)
);
CREATE INDEX ix_order_updated_at ON t_order (updated_at);

-- updated_at follows every change, as MariaDB's ON UPDATE CURRENT_TIMESTAMP does
CREATE FUNCTION t_order_touch() RETURNS trigger AS $$
BEGIN
  IF NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN
    NEW.updated_at := date_trunc('second', localtimestamp);
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER t_order_touch BEFORE UPDATE ON t_order FOR EACH ROW EXECUTE FUNCTION t_order_touch();
