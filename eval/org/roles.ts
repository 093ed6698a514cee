// The roles of the simulated organisation: each a catalog of 13–19 tools with typed arguments and the
// ordered workflows its people run. Argument kinds are resolved to values in eval/org/world.ts.

/** How an argument's value is made (see argValue in world.ts). */
export type ArgKind =
  // dates and periods: change every day
  | "date"
  | "from"
  | "to"
  | "since"
  | "period"
  // identifiers: new on almost every call (kept within one workflow run)
  | "invoice"
  | "ticket"
  | "order"
  | "email_id"
  | "doc"
  | "pr"
  | "incident"
  | "event"
  | "employee"
  | "leave"
  | "opp"
  | "article"
  // free text
  | "text"
  | "query"
  | "body"
  // recipients
  | "colleague"
  | "partner"
  | "contact"
  | "customer"
  | "candidate"
  // accounts
  | "vendor_account"
  | "internal_account"
  | "crm_account"
  // small habitual sets
  | "channel"
  | "repo"
  | "service"
  | "region"
  | "room"
  | "city"
  | "lang"
  | "format"
  | "status"
  | "stage"
  | "product"
  | "field"
  | "branch"
  | "path"
  | "version"
  | "host"
  | "amount"
  | "number";

export interface OrgTool {
  name: string;
  args: Record<string, ArgKind>;
}

export interface Role {
  name: string;
  tools: OrgTool[];
  /** ordered tool steps; a step "tool*" may repeat 1–4 times */
  workflows: string[][];
  /** works on call: sometimes at weekends, paged at night */
  onCall?: boolean;
  /** agent-driven: calls seconds apart */
  fast?: boolean;
}

const T = (name: string, args: Record<string, ArgKind> = {}): OrgTool => ({ name, args });

const mail = [
  T("search_emails", { query: "query", since: "from" }),
  T("read_email", { email_id: "email_id" }),
  T("send_email", { to: "contact", subject: "text", body: "body" }),
];
const calendar = T("calendar_list", { date: "date" });
const docs = [T("search_docs", { query: "query" }), T("read_doc", { doc_id: "doc" })];
const chat = T("post_message", { channel: "channel", text: "body" });

export const ROLES: Role[] = [
  {
    name: "finance",
    tools: [
      T("list_transactions", { account: "internal_account", from_date: "from", to_date: "to" }),
      T("list_invoices", { status: "status", due_before: "date" }),
      T("get_invoice", { invoice_id: "invoice" }),
      T("approve_invoice", { invoice_id: "invoice" }),
      T("pay_invoice", { invoice_id: "invoice", iban: "vendor_account", amount: "amount" }),
      T("send_money", { recipient: "vendor_account", amount: "amount", reference: "text" }),
      T("internal_transfer", { from_account: "internal_account", to_account: "internal_account", amount: "amount" }),
      T("add_vendor", { name: "text", iban: "vendor_account" }),
      T("get_balance", { account: "internal_account" }),
      T("reconcile", { account: "internal_account", date: "date" }),
      T("export_ledger", { from_date: "from", to_date: "to", format: "format" }),
      T("create_report", { title: "text", period: "period" }),
      ...mail,
      calendar,
      docs[0]!,
    ],
    workflows: [
      ["calendar_list", "search_emails", "read_email*", "send_email"],
      ["list_invoices", "get_invoice*", "approve_invoice"],
      ["list_transactions", "reconcile", "get_balance"],
      ["get_balance", "list_transactions", "create_report"],
      ["search_emails", "read_email", "get_invoice", "send_email"],
    ],
  },
  {
    name: "support",
    tools: [
      T("list_tickets", { status: "status", date: "date" }),
      T("get_ticket", { ticket_id: "ticket" }),
      T("reply_ticket", { ticket_id: "ticket", body: "body" }),
      T("update_ticket", { ticket_id: "ticket", status: "status" }),
      T("assign_ticket", { ticket_id: "ticket", assignee: "colleague" }),
      T("search_kb", { query: "query" }),
      T("read_kb", { article_id: "article" }),
      T("lookup_customer", { email: "customer" }),
      T("get_order", { order_id: "order" }),
      T("issue_refund", { order_id: "order", amount: "amount" }),
      T("send_email", { to: "customer", subject: "text", body: "body" }),
      T("escalate", { ticket_id: "ticket", channel: "channel" }),
      chat,
      calendar,
    ],
    workflows: [
      ["list_tickets", "get_ticket", "lookup_customer", "get_order", "reply_ticket", "update_ticket"],
      ["get_ticket", "search_kb", "read_kb", "reply_ticket"],
      ["get_ticket", "get_order", "issue_refund", "send_email", "update_ticket"],
      ["get_ticket", "escalate", "post_message", "assign_ticket"],
    ],
  },
  {
    name: "engineering",
    onCall: true,
    tools: [
      T("list_prs", { repo: "repo" }),
      T("get_pr", { repo: "repo", pr: "pr" }),
      T("review_pr", { repo: "repo", pr: "pr", body: "body" }),
      T("merge_pr", { repo: "repo", pr: "pr" }),
      T("run_ci", { repo: "repo", branch: "branch" }),
      T("get_logs", { service: "service", since: "since" }),
      T("query_metrics", { service: "service", from: "from", to: "to" }),
      T("deploy", { service: "service", version: "version" }),
      T("rollback", { service: "service", version: "version" }),
      T("page_oncall", { service: "service", text: "body" }),
      T("ack_page", { incident_id: "incident" }),
      T("create_issue", { repo: "repo", title: "text" }),
      T("search_code", { query: "query" }),
      T("read_file", { repo: "repo", path: "path" }),
      chat,
      calendar,
      ...docs,
    ],
    workflows: [
      ["list_prs", "get_pr", "read_file*", "review_pr"],
      ["get_pr", "run_ci", "merge_pr", "deploy", "post_message"],
      ["search_code", "read_file*", "create_issue"],
      ["get_logs", "query_metrics", "post_message"],
      ["calendar_list", "search_docs", "read_doc"],
    ],
  },
  {
    name: "sales",
    tools: [
      T("search_crm", { query: "query" }),
      T("get_account", { account_id: "crm_account" }),
      T("update_opportunity", { opp_id: "opp", stage: "stage" }),
      T("create_quote", { account_id: "crm_account", product: "product", amount: "amount" }),
      T("schedule_meeting", { with: "partner", date: "date" }),
      T("list_leads", { from_date: "from" }),
      T("log_call", { account_id: "crm_account", notes: "body" }),
      T("export_pipeline", { format: "format" }),
      T("get_pricing", { product: "product" }),
      T("create_contract", { account_id: "crm_account", start: "date" }),
      ...mail,
      calendar,
      chat,
    ],
    workflows: [
      ["calendar_list", "get_account", "log_call", "update_opportunity"],
      ["search_crm", "get_account", "get_pricing", "create_quote", "send_email"],
      ["list_leads", "get_account*", "send_email", "schedule_meeting"],
      ["search_emails", "read_email*", "send_email"],
    ],
  },
  {
    name: "assistant",
    fast: true,
    tools: [
      ...mail,
      T("forward_email", { email_id: "email_id", to: "contact" }),
      calendar,
      T("create_event", { title: "text", date: "date", attendees: "colleague" }),
      T("update_event", { event_id: "event", date: "date" }),
      T("book_travel", { city: "city", date: "date" }),
      ...docs,
      T("create_doc", { title: "text" }),
      T("share_doc", { doc_id: "doc", with: "contact" }),
      chat,
      T("list_contacts", { query: "query" }),
      T("add_contact", { email: "partner" }),
      T("summarize", { text: "body" }),
      T("translate", { text: "body", lang: "lang" }),
      T("get_weather", { city: "city" }),
      T("reserve_room", { room: "room", date: "date" }),
    ],
    workflows: [
      ["calendar_list", "search_emails", "read_email*", "summarize"],
      ["search_emails", "read_email", "send_email"],
      ["calendar_list", "create_event", "reserve_room", "send_email"],
      ["search_docs", "read_doc", "share_doc"],
      ["get_weather", "book_travel", "create_event", "send_email"],
      ["read_email", "translate", "forward_email"],
    ],
  },
  {
    name: "hr",
    tools: [
      T("search_employees", { query: "query" }),
      T("get_employee", { employee_id: "employee" }),
      T("update_employee", { employee_id: "employee", field: "field" }),
      T("list_leave", { from_date: "from", to_date: "to" }),
      T("approve_leave", { request_id: "leave" }),
      T("run_payroll_preview", { period: "period" }),
      T("create_offer", { candidate: "text", salary: "amount" }),
      T("schedule_interview", { candidate: "candidate", date: "date" }),
      T("send_email", { to: "colleague", subject: "text", body: "body" }),
      calendar,
      ...docs,
      chat,
    ],
    workflows: [
      ["list_leave", "approve_leave*", "send_email"],
      ["search_employees", "get_employee", "update_employee"],
      ["calendar_list", "schedule_interview", "post_message"],
      ["search_docs", "read_doc", "create_offer"],
    ],
  },
  {
    name: "ops",
    onCall: true,
    tools: [
      T("list_servers", { region: "region" }),
      T("get_server", { server_id: "number" }),
      T("restart_service", { service: "service" }),
      T("get_logs", { service: "service", since: "since" }),
      T("query_metrics", { service: "service", from: "from", to: "to" }),
      T("page_oncall", { service: "service", text: "body" }),
      T("ack_page", { incident_id: "incident" }),
      T("create_ticket", { title: "text", status: "status" }),
      T("run_backup", { service: "service" }),
      T("check_certificate", { host: "host" }),
      T("rotate_key", { service: "service" }),
      chat,
      calendar,
    ],
    workflows: [
      ["list_servers", "get_server*", "query_metrics"],
      ["get_logs", "restart_service", "post_message"],
      ["check_certificate", "create_ticket"],
      ["run_backup", "get_logs", "post_message"],
    ],
  },
];

/** Tools a team adopts during the weeks (none is in any role's catalog). */
export const ADOPTABLE: OrgTool[] = [
  T("sign_document", { doc_id: "doc", signer: "colleague" }),
  T("ai_summarize_thread", { email_id: "email_id" }),
  T("create_dashboard", { title: "text", from: "from" }),
  T("transcribe_meeting", { event_id: "event" }),
];

/** The tools run during an incident (engineering and ops). */
export const INCIDENT_STEPS = ["ack_page", "get_logs", "query_metrics", "get_logs", "post_message", "restart_service"];

export function roleOf(name: string): Role {
  return ROLES.find((r) => r.name === name)!;
}

/** A tool's spec: the role's own first (roles give one tool name different arguments), then any role's. */
export function toolOf(name: string, role?: Role): OrgTool | undefined {
  const own = role?.tools.find((t) => t.name === name);
  if (own) return own;
  for (const r of ROLES) for (const t of r.tools) if (t.name === name) return t;
  return ADOPTABLE.find((t) => t.name === name);
}
