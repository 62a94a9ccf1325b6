package io.recserve.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.recserve.contract.ModelRef;
import io.recserve.contract.NodeHeartbeat;
import org.junit.jupiter.api.Test;

class NodeDirectoryTest {
  static final ModelRef V1 = new ModelRef(1, "id-1"), V2 = new ModelRef(2, "id-2"), V3 = new ModelRef(3, "id-3");

  @Test
  void servesAVersionThatAnEmbeddingNodeAndEveryAnnNodeHold() {
    NodeDirectory directory = new NodeDirectory(1000);
    directory.heard(new NodeHeartbeat("ann", "a1", true, V2, V1, null));
    directory.heard(new NodeHeartbeat("ann", "a2", true, V2, V1, null));
    directory.heard(new NodeHeartbeat("embedding", "e1", true, V3, V2, null));
    assertThat(directory.servable()).isEqualTo(V2);
    assertThat(directory.candidates("embedding", V2)).containsExactly("e1");
    assertThat(directory.candidates("embedding", V1)).isEmpty();
  }

  /** Nodes that can take a user's whole search in one message: both roles there, accepting, holding the version, not this JVM. */
  @Test
  void aUsersSearchGoesInOneMessageOnlyToAnotherNodeWhoseTwoRolesHoldTheVersion() {
    NodeDirectory directory = new NodeDirectory(1000);
    directory.heard(new NodeHeartbeat("embedding", "both", true, V2, V1, null));
    directory.heard(new NodeHeartbeat("ann", "both", true, V2, null, null));
    directory.heard(new NodeHeartbeat("embedding", "self", true, V2, null, null));
    directory.heard(new NodeHeartbeat("ann", "self", true, V2, null, null));
    directory.heard(new NodeHeartbeat("embedding", "alone", true, V2, null, null));
    directory.heard(new NodeHeartbeat("ann", "other", true, V2, V1, null));
    assertThat(directory.searchingEmbeddingNodes(V2, "self")).containsExactly("both");
    assertThat(directory.searchingEmbeddingNodes(V1, "self")).as("the ANN verticle there lacks it").isEmpty();
    directory.heard(new NodeHeartbeat("ann", "both", false, null, null, V2));
    assertThat(directory.searchingEmbeddingNodes(V2, "self")).as("its ANN verticle takes no requests").isEmpty();
  }

  @Test
  void twoPublishesDuringOneIndexBuildLeaveNothingServableRatherThanAMixedVersion() {
    NodeDirectory directory = new NodeDirectory(1000);
    directory.heard(new NodeHeartbeat("ann", "a1", true, V1, null, V2));
    directory.heard(new NodeHeartbeat("embedding", "e1", true, V3, V2, null));
    assertThat(directory.servable()).isNull();
    directory.heard(new NodeHeartbeat("ann", "a1", true, V2, V1, V3));
    assertThat(directory.servable()).isEqualTo(V2);
  }

  @Test
  void aNodeStillLoadingItsFirstVersionDoesNotHoldBackTheOthers() {
    NodeDirectory directory = new NodeDirectory(1000);
    directory.heard(new NodeHeartbeat("ann", "a1", true, V2, V1, null));
    directory.heard(new NodeHeartbeat("ann", "new", false, null, null, V2));
    directory.heard(new NodeHeartbeat("embedding", "e1", true, V2, null, null));
    assertThat(directory.servable()).isEqualTo(V2);
    assertThat(directory.candidates("ann", V2)).containsExactly("a1");
  }

  @Test
  void anAnnNodeHeardAloneServesNothingUntilAnEmbeddingNodeIsHeard() {
    NodeDirectory directory = new NodeDirectory(1000);
    directory.heard(new NodeHeartbeat("ann", "a1", true, V2, null, null)); // its heartbeat came first
    assertThat(directory.servable()).as("no embedding node known: requests would go nowhere").isNull();
    directory.heard(new NodeHeartbeat("embedding", "e1", true, V2, null, null));
    assertThat(directory.servable()).isEqualTo(V2);
  }

  @Test
  void anEmbeddingNodeThatCannotLoadLeavesNothingServable() {
    NodeDirectory directory = new NodeDirectory(1000);
    directory.heard(new NodeHeartbeat("ann", "a1", true, V2, null, null));
    directory.heard(new NodeHeartbeat("embedding", "e1", false, null, null, null, "users.bin is damaged"));
    assertThat(directory.servable()).as("the only embedding node holds nothing").isNull();
    assertThat(directory.describe().getJsonObject(1).getString("error")).isEqualTo("users.bin is damaged");
  }

  @Test
  void candidatesTakeTurnsAndASuspectIsSkippedUntilItsNextHeartbeat() {
    NodeDirectory directory = new NodeDirectory(1000);
    directory.heard(new NodeHeartbeat("ann", "a1", true, V1, null, null));
    directory.heard(new NodeHeartbeat("ann", "a2", true, V1, null, null));
    assertThat(directory.candidates("ann", V1).get(0)).isNotEqualTo(directory.candidates("ann", V1).get(0));
    directory.suspect("ann", "a1");
    assertThat(directory.candidates("ann", V1)).containsExactly("a2");
    directory.heard(new NodeHeartbeat("ann", "a1", true, V1, null, null));
    assertThat(directory.candidates("ann", V1)).containsExactlyInAnyOrder("a1", "a2");
  }
}
