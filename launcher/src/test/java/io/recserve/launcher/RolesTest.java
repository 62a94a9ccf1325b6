package io.recserve.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RolesTest {
  /** Found by a review: two analytics instances in one node wrote the same files, each as their only writer. */
  @Test
  void theAnalyticsRoleRunsOnceAndOthersAsManyTimesAsAsked() {
    assertThat(Roles.parse("ann:2, http,analytics:1").instances()).containsEntry("ann", 2).containsEntry("http", 0).containsEntry("analytics", 1);
    assertThatThrownBy(() -> Roles.parse("http,analytics:2")).hasMessageContaining("one instance per node").hasMessageContaining("analytics:2");
    assertThatThrownBy(() -> Roles.parse("ann:0")).hasMessageContaining("at least 1");
    assertThatThrownBy(() -> Roles.parse("search")).hasMessageContaining("unknown role 'search'");
  }
}
