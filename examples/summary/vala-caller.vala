/* vala-caller.vala: summary_compute_async() from Vala, with yield
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

async void run (string path, MainLoop loop) {
  var folder = File.new_for_path (path);

  try {
    uint n_files;
    uint reports = 0;
    uint last_files = 0;
    bool finished = false;
    int64 lines = yield Summary.compute_async (folder, 5, null, (files, counted) => {
      /* Never after the result, never going backwards. */
      assert (!finished && files >= last_files && counted <= 3);
      last_files = files;
      reports++;
    }, out n_files);
    finished = true;
    assert (lines == 3 && n_files == 2);
    assert (reports >= 1);
    print ("counted %lld lines in %u files, %u progress reports\n", lines, n_files, reports);
  } catch (Error e) {
    error ("the call failed: %s", e.message);
  }

  var cancellable = new Cancellable ();
  Timeout.add (50, () => { cancellable.cancel (); return Source.REMOVE; });
  try {
    uint n_files;
    yield Summary.compute_async (folder, 2000, cancellable, null, out n_files);
    error ("the cancelled call succeeded");
  } catch (IOError.CANCELLED e) {
    print ("cancelled: %s\n", e.message);
  } catch (Error e) {
    error ("the call failed otherwise: %s", e.message);
  }
  loop.quit ();
}

int main () {
  var loop = new MainLoop ();
  string path;

  try {
    path = DirUtils.make_tmp ("summary-vala-XXXXXX");
    FileUtils.set_contents (path + "/a.txt", "one\n");
    FileUtils.set_contents (path + "/b.txt", "two\nlines\n");
  } catch (Error e) {
    error ("cannot make the folder: %s", e.message);
  }

  Timeout.add_seconds (30, () => { error ("timed out"); });
  run.begin (path, loop);
  loop.run ();

  FileUtils.remove (path + "/a.txt");
  FileUtils.remove (path + "/b.txt");
  DirUtils.remove (path);
  return 0;
}
