/* A minimal guard: learn a routine, then judge a routine call and an odd one. Prints one line each. */
#include <stdio.h>
#include <string.h>

#include "toolwatch.h"

static void show(const char *label, int rc, const toolwatch_decision *d) {
  if (rc < 0) {
    printf("%s error %s\n", label, toolwatch_error_code(rc));
    return;
  }
  printf("%s %s %s", label, toolwatch_action_name(d->action), toolwatch_mode_name(d->mode));
  for (int i = 0; i < d->n_reasons; i++)
    printf(" %s", toolwatch_reason_name(d->reasons[i].code));
  printf("\n");
}

int main(void) {
  double cfg[TOOLWATCH_CONFIG_BLOCK];
  int rc, slot;
  toolwatch_config_defaults(cfg);
  toolwatch_config_set(cfg, "minCalls", 5);
  toolwatch_config_set(cfg, "learningWindowSeconds", 60);
  toolwatch_config_set_label(cfg, "action", "block");
  toolwatch *tw = toolwatch_new(cfg, &rc, &slot);
  if (!tw) {
    printf("new error %s\n", toolwatch_error_code(rc));
    return 1;
  }

  double t = 1767603600000.0;
  toolwatch_decision d;
  for (int i = 0; i < 12; i++) {
    toolwatch_begin(tw, "acme", "alice", "read_file");
    toolwatch_arg_string(tw, "path", "/srv/a", 6);
    toolwatch_check(tw, t + i * 60000.0, 0, &d);
  }
  toolwatch_begin(tw, "acme", "alice", "read_file");
  toolwatch_arg_string(tw, "path", "/srv/a", 6);
  show("routine", toolwatch_check(tw, t + 13 * 60000.0, 0, &d), &d);

  toolwatch_begin(tw, "acme", "alice", "drop_table");
  toolwatch_arg_string(tw, "table", "users", 5);
  show("odd", toolwatch_check(tw, t + 14 * 60000.0, 0, &d), &d);

  char key[300];
  memset(key, 'k', sizeof key - 1);
  key[sizeof key - 1] = 0;
  toolwatch_begin(tw, "acme", "alice", "read_file");
  toolwatch_arg_number(tw, key, 1);
  show("longkey", toolwatch_check(tw, t + 15 * 60000.0, 0, &d), &d);
  toolwatch_begin(tw, "acme", "alice", "");
  show("notool", toolwatch_check(tw, t + 16 * 60000.0, 0, &d), &d);
  printf("after %d\n", toolwatch_after(tw, "acme", "alice", "drop_table", t + 17 * 60000.0, 1));
  printf("hash %016llx\n", (unsigned long long)toolwatch_state_hash(tw));
  toolwatch_free(tw);

  toolwatch_config_defaults(cfg);
  toolwatch_config_set(cfg, "warnThreshold", 0.9);
  toolwatch_config_set(cfg, "blockThreshold", 0.5);
  tw = toolwatch_new(cfg, &rc, &slot);
  printf("badconfig %s %s\n", tw ? "accepted" : toolwatch_error_code(rc), tw ? "-" : toolwatch_config_slot_name(slot));
  printf("unknown %s\n", toolwatch_error_code(toolwatch_config_set(cfg, "noSuchSetting", 1)));
  return 0;
}
