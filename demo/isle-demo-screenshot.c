/* isle-demo-screenshot.c: PNG screenshots of a window with GTK's renderer
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "isle-demo-screenshot.h"

/**
 * isle_demo_save_screenshot:
 * @window: a realized, mapped window
 * @path: where to write the PNG
 * @error: return location for a #GError
 *
 * Renders @window the way GTK draws it, with the window's own renderer
 * (GL or cairo, whichever GTK chose), into a texture of the window's size
 * and saves that as a PNG. Call it on the main thread, after the window
 * has drawn a frame.
 *
 * Returns: whether the file was written
 */
gboolean
isle_demo_save_screenshot (GtkWidget   *window,
                           const char  *path,
                           GError     **error)
{
  int width = gtk_widget_get_width (window);
  int height = gtk_widget_get_height (window);
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GskRenderer *renderer;
  GtkSnapshot *snapshot;

  renderer = gtk_native_get_renderer (GTK_NATIVE (window));
  if (renderer == NULL || width <= 0 || height <= 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                   "The window has not been shown yet, so there is nothing to render");
      return FALSE;
    }

  paintable = gtk_widget_paintable_new (window);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  if (node == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "The window drew nothing");
      return FALSE;
    }

  texture = gsk_renderer_render_texture (renderer, node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (!gdk_texture_save_to_png (texture, path))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "Could not write %s", path);
      return FALSE;
    }

  return TRUE;
}
