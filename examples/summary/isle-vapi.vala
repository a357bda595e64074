/* isle-vapi.vala: Isle itself from Vala, through the installed isle-1.vapi
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

int main () {
  var island = Isle.LocalSet.ref_thread_default ();
  var again = Isle.LocalSet.ref_for_context (null);

  assert (island == again);
  assert (island.get_n_tasks () == 0);
  print ("the shared island, from Vala\n");
  return 0;
}
